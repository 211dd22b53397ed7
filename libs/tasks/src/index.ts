export { TaskLifecycle, subjectOf } from './lifecycle/task-lifecycle';
export type { EventData, LifecycleTasks, TaskLifecycleDeps } from './lifecycle/task-lifecycle';
export type { Logger } from './ports/logger.port';
export type { EmitOptions, TaskEventSubject, TaskEvents } from './ports/task-events.port';
export { LIVE_JOB_STATES } from './ports/task-queue.port';
export type { ConsumeOptions, FailedDelivery, JobState, QueueCounts, RemoveOutcome, TaskConsumer, TaskDelivery, TaskQueue } from './ports/task-queue.port';
export type { CancelChannel, CancelListener, CancelSubscription } from './ports/cancel-channel.port';
