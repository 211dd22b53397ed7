export { DEFAULT_AGENTS, LOG_LEVELS, loadApiConfig, loadDotEnv, loadWorkerConfig } from './config';
export type { ApiConfig, CommonConfig, Env, LlmConfig, LogLevel, WorkerConfig } from './config';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { REDACTED, redact, redactText } from './redact';
export { QueueUnavailableError, createTaskQueue, enqueueTask, pingQueue } from './queue';
export type { TaskJob, TaskQueue, TaskQueueOptions } from './queue';
