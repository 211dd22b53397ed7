export { DEFAULT_AGENTS, LOG_LEVELS, loadApiConfig, loadDotEnv, loadWorkerConfig } from './config';
export type { ApiConfig, ApiKeyConfig, CommonConfig, Env, LlmConfig, LogLevel, MetricsSnapshotConfig, TaskEventStoreConfig, WorkerConfig } from './config';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { loadEnvironment } from './environment';
export type { EnvironmentSources, LoadEnvironmentOptions, LoadedEnvironment } from './environment';
export { SSM_ENV_NAME, loadSsmParameters } from './ssm';
export type { LoadSsmParametersOptions, MutableEnv, SsmClientLike, SsmLoadResult } from './ssm';
export { REDACTED, redact, redactText } from './redact';
export { QueueUnavailableError, createTaskQueue, enqueueTask, pingQueue, queueRedisOptions } from './queue';
export type { TaskJob, TaskQueue, TaskQueueOptions } from './queue';
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
} from './worker-registry';
export type { PublishWorkerOptions, PublishedAgent, WorkerHeartbeat, WorkerIdentity, WorkerRecord, WorkerRegistryRedis } from './worker-registry';
export { RedisLock } from './redis-lock';
export type { RedisLockClient } from './redis-lock';
export { TASK_CANCEL_CHANNEL, publishTaskCancel, subscribeTaskCancels } from './task-cancel';
export type { TaskCancelSubscription } from './task-cancel';
export { TaskEventLog, eventMessage } from './task-events';
export type { EmitOptions, TaskEventSink, TaskEventSubject } from './task-events';
export * from './metrics';
export { MongoEventSink } from './mongo-event-sink';
export type { MongoEventSinkOptions, TaskEventWriter } from './mongo-event-sink';
export { PeriodicTask } from './periodic-task';
export type { PeriodicTaskOptions } from './periodic-task';
export { BullTaskProducer } from './bull-task-producer';
export type { BullTaskProducerOptions } from './bull-task-producer';
export { RedisCancelPublisher } from './redis-cancel-publisher';
export { redisWorkerDirectory } from './redis-worker-directory';
export { bullApiMessaging } from './bull-api-messaging';
export type { BullApiMessaging } from './bull-api-messaging';
export { connectRateLimitRedis } from './rate-limit-redis';
export type { RateLimitRedis } from './rate-limit-redis';
