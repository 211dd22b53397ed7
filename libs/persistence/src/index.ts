export { connectMongo } from './connection';
export type { ConnectMongoOptions, MongoStore } from './connection';
export type {
  AgentRunRepository,
  MessageRepository,
  Repositories,
  SessionRepository,
  TaskRepository,
  TaskRouting,
  TaskStatus,
} from './repositories';
export { DatabaseUnavailableError, DuplicateKeyError } from './errors';
export { redactMongoUri } from './redact';
