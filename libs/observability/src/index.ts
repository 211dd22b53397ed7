export { LOG_LEVELS, createLogger } from './logger';
export type { LogLevel, Logger } from './logger';
export { REDACTED, redact, redactText } from './redact';
export { TaskEventLog, eventMessage } from './task-events';
export type { EmitOptions, TaskEventSink, TaskEventSubject } from './task-events';
export { BufferedEventSink } from './buffered-event-sink';
export type { BufferedEventSinkOptions, TaskEventWriter } from './buffered-event-sink';
export * from './metrics';
