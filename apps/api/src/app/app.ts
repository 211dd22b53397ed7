import express, { type Express } from 'express';
import type { Store as RateLimitStore } from 'express-rate-limit';
import helmet from 'helmet';
import type { MongoStore } from '@agent-orchestrator/persistence';
import { enqueueTask, pingQueue, type ApiConfig, type Logger, type TaskQueue } from '@agent-orchestrator/platform';
import { AcceptTaskService } from './execute/accept-task.service';
import { createExecuteTaskDto } from './execute/execute-task.dto';
import { executeRoutes } from './execute/execute.route';
import { healthRoutes } from './health/health.route';
import { corsMiddleware } from './http/cors.middleware';
import { errorHandler, notFoundHandler } from './http/error-handler.middleware';
import { rateLimitMiddleware } from './http/rate-limit.middleware';
import { requestIdMiddleware } from './http/request-id.middleware';
import { requestLogMiddleware } from './http/request-log.middleware';
import { tasksRoutes } from './tasks/tasks.route';

export interface AppDeps {
  config: ApiConfig;
  logger: Logger;
  store: Pick<MongoStore, 'repositories' | 'ping'>;
  queue: TaskQueue;
  /** Clock for task timestamps; tests pin it. */
  now?: () => Date;
  /** Stored on each task's metadata (e.g. `production`). */
  environment: string;
  /** Where rate-limit hits are counted; defaults to an in-memory store (per process). */
  rateLimitStore?: RateLimitStore;
  /** How long /readyz waits for each dependency. Default 2000 ms. */
  readinessTimeoutMs?: number;
}

/** The Express app, fully wired but not listening: main.ts listens, tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, store, queue } = deps;
  const now = deps.now ?? (() => new Date());
  const readinessTimeoutMs = deps.readinessTimeoutMs ?? 2000;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  app.use(requestIdMiddleware(logger));
  app.use(requestLogMiddleware());
  app.use(helmet());
  app.use(corsMiddleware(config.corsOrigins));

  const rateLimit = rateLimitMiddleware({ perMinute: config.rateLimitPerMinute, store: deps.rateLimitStore, logger });
  const acceptTask = new AcceptTaskService({
    repositories: store.repositories,
    enqueue: (taskId) => enqueueTask(queue, taskId, config.enqueueTimeoutMs),
    now,
    environment: deps.environment,
  });

  app.use(healthRoutes({ pingMongo: () => store.ping(), pingRedis: () => pingQueue(queue, readinessTimeoutMs), timeoutMs: readinessTimeoutMs }));
  app.use(executeRoutes({ acceptTask, dto: createExecuteTaskDto(config), bodyLimitBytes: config.bodyLimitBytes, rateLimit }));
  app.use(tasksRoutes({ tasks: store.repositories.tasks, rateLimit }));
  app.use(rateLimit, notFoundHandler());
  app.use(errorHandler());
  return app;
}
