export { connectMongo } from './connection';
export type { ConnectMongoOptions, MongoStore } from './connection';
export { MAX_SNAPSHOTS, MAX_STREAM_PAGE, MAX_TASK_EVENTS, MAX_TASK_PAGE_SIZE } from './repositories';
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
  SystemMetricsRepository,
  SystemMetricsSnapshot,
  TaskEventRepository,
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
  StepCheckpoint,
  TaskStatus,
  TaskSummary,
} from './repositories';
export { DatabaseUnavailableError, DuplicateKeyError } from './errors';
export type { MonitorStall } from './mongo/monitor-watchdog';
export { redactMongoUri } from './redact';
export { dayFigures } from './day-figures';
export type { DayFigures } from './day-figures';
export { migratePrimaryKeys } from './mongo/primary-keys.migration';
export type { KeyMigrationReport } from './mongo/primary-keys.migration';
