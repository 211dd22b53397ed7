export { connectMongo } from './connection';
export type { ConnectMongoOptions, MongoStore } from './connection';
export { MAX_TASK_PAGE_SIZE } from './repositories';
export type {
  AgentRunRepository,
  CancelRequest,
  MessageRepository,
  Repositories,
  SessionRepository,
  StaleTaskQuery,
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
export type { MonitorStall } from './mongo/monitor-watchdog';
export { redactMongoUri } from './redact';
