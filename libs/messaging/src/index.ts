export { QueueUnavailableError, createTaskQueue, enqueueTask, pingQueue, queueRedisOptions } from './queue';
export type { EnqueueTaskOptions, TaskJob, TaskQueue, TaskQueueOptions } from './queue';
export { FAIR_STATE_KEY, fairBacklog, fairTag } from './fair-queue';
export type { TenantBacklog } from './fair-queue';
export { createRedisClient } from './redis';
export type { RedisClient, RedisClientOptions } from './redis';
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  WORKER_INDEX_KEY,
  WORKER_RECORD_PREFIX,
  WorkerRegistryUnavailableError,
  listLiveWorkers,
  newWorkerId,
  parseWorkerRecord,
  publishWorker,
  workerRecordKey,
} from './live-workers';
export type { PublishWorkerOptions, PublishedAgent, WorkerHeartbeat, WorkerIdentity, WorkerRecord, WorkerRegistryRedis } from './live-workers';
export { RedisLock } from './redis-lock';
export type { RedisLockClient } from './redis-lock';
export { TASK_CANCEL_CHANNEL, publishTaskCancel, subscribeTaskCancels } from './task-cancel';
export type { TaskCancelSubscription } from './task-cancel';
// Adapters of the application layer's ports (@agent-orchestrator/tasks).
export { BullTaskQueue } from './bull-task-queue';
export type { BullTaskQueueOptions } from './bull-task-queue';
export { BullWebhookQueue } from './bull-webhook-queue';
export type { BullWebhookQueueOptions } from './bull-webhook-queue';
export { RedisCancelChannel, RedisCancelListener } from './redis-cancel-channel';
export { CLAIM_KEY_PREFIX, RedisClaims } from './redis-claims';
export { redisWorkerDirectory } from './redis-worker-directory';
export { bullApiMessaging } from './bull-api-messaging';
export type { BullApiMessaging } from './bull-api-messaging';
export { connectRateLimitRedis } from './rate-limit-redis';
export type { RateLimitRedis } from './rate-limit-redis';
export { TurnPipeline } from './turn-pipeline';
export { waitUntil } from './wait-until';
export { RedisTaskStreamBus, TASK_STREAM_CHANNEL_PREFIX, decodeStreamEvent, encodeStreamEvent, taskStreamChannel } from './redis-task-stream-bus';
export type { RedisTaskStreamBusOptions } from './redis-task-stream-bus';
