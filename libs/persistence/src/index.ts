export { connectMongo } from './connection';
export type { ConnectMongoOptions, MongoStore } from './connection';
export { MAX_STREAM_PAGE, MAX_TASK_EVENTS, MAX_TASK_PAGE_SIZE, MAX_WEBHOOK_DELIVERIES } from './repositories';
export type {
  AgentRunRepository,
  CancelRequest,
  IdempotencyKeyRepository,
  IdempotencyRecord,
  IdempotencyReservation,
  MessageRepository,
  Repositories,
  SessionRepository,
  SessionTurnInput,
  StaleTaskQuery,
  SystemMetricsSnapshot,
  TaskEventRepository,
  StreamAppend,
  StreamAppendOutcome,
  TaskStreamRepository,
  UsageDayStats,
  UsageFigures,
  UsageTotals,
  TaskDayStats,
  TaskListPage,
  TaskListPosition,
  TaskListQuery,
  TaskRepository,
  TaskRouting,
  TaskCancelState,
  StepCheckpoint,
  TaskStatus,
  TaskSummary,
  WebhookDeliveryMove,
  WebhookDeliveryRepository,
} from './repositories';
export { DatabaseUnavailableError, DuplicateKeyError } from './errors';
export type { MonitorStall } from './mongo/monitor-watchdog';
export { redactMongoUri } from './redact';
export { dayFigures } from './day-figures';
export type { DayFigures } from './day-figures';
export { migratePrimaryKeys } from './mongo/primary-keys.migration';
export type { KeyMigrationReport } from './mongo/primary-keys.migration';
export { MAX_HISTORY_MINUTES } from './task-counters';
export type { CounterIncrement, DayCounters, QueueSample, TaskCounterRepository } from './task-counters';
export { LATENCY_BUCKET_RATIO, LATENCY_FIRST_BOUND_MS, LATENCY_P95_MAX_RELATIVE_ERROR, latencyBucket, latencyBucketBounds, latencyBucketValue } from './counters/latency-buckets';
