export { InMemoryTaskQueue } from './in-memory-task-queue';
export { InMemoryCancelChannel } from './in-memory-cancel-channel';
export { RecordingTaskEvents, lifecycleEvent, recordingLogger } from './recording';
export type { LogRecord } from './recording';
export { InMemoryStreamBus } from './in-memory-stream-bus';
