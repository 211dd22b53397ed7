export { connectMongo } from './connection';
export type { ConnectMongoOptions, MongoStore } from './connection';
export { MAX_TASK_PAGE_SIZE } from './repositories';
export type {
  AgentRunRepository,
  IdempotencyKeyRepository,
  IdempotencyRecord,
  IdempotencyReservation,
  MessageRepository,
  Repositories,
  SessionRepository,
  TaskDayStats,
  TaskListPage,
  TaskListPosition,
  TaskListQuery,
  TaskRepository,
  TaskRouting,
  TaskStatus,
  TaskSummary,
} from './repositories';
export { DatabaseUnavailableError, DuplicateKeyError } from './errors';
export { redactMongoUri } from './redact';
