import express, { type Express, type RequestHandler } from 'express';
import type { Store as RateLimitStore } from 'express-rate-limit';
import helmet from 'helmet';
import type { MongoStore } from '@agent-orchestrator/persistence';
import { TaskEventLog, createApiMetrics, type ApiMetrics, type Logger } from '@agent-orchestrator/observability';
import type { ApiConfig } from '@agent-orchestrator/config';
import {
  AcceptTask,
  CallbackPolicy,
  CancelTask,
  GetMetricsHistory,
  GetSystemMetrics,
  GetTask,
  GetTaskEvents,
  GetTaskWebhooks,
  GetTenantUsage,
  TenantQuota,
  IdempotentSubmission,
  ListAgents,
  ListTasks,
  OpenStreamLimit,
  RetryTask,
  StreamTask,
  TaskCounting,
  TaskLifecycle,
  WebhookOutbox,
  type CancelChannel,
  type TaskEvents,
  type TaskQueue,
  type TaskStreamBus,
  type WorkerDirectory,
} from '@agent-orchestrator/tasks';
import { agentsRoutes } from './agents/agents.route';
import { apiKeyAuth } from './auth/api-key.middleware';
import { requireScope } from './auth/scopes';
import { usageRoutes } from './usage/usage.route';
import { createExecuteTaskDto } from './execute/execute-task.dto';
import { executeRoutes } from './execute/execute.route';
import { healthRoutes } from './health/health.route';
import { httpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { metricsRoutes } from './metrics/metrics.route';
import { docsRoutes } from './docs/docs.route';
import { corsMiddleware } from './http/cors.middleware';
import { errorHandler } from './http/error-handler.middleware';
import { rateLimitMiddleware } from './http/rate-limit.middleware';
import { requestIdMiddleware } from './http/request-id.middleware';
import { requestLogMiddleware } from './http/request-log.middleware';
import { optionsHandler, unmatchedRouteHandler } from './http/unmatched-route.middleware';
import { openApiRoutes } from './openapi/openapi.route';
import { buildOpenApiDocument, type OpenApiDocument } from '@agent-orchestrator/api-contract';
import { systemRoutes } from './system/system.route';
import { tasksRoutes } from './tasks/tasks.route';
import { taskCancelRoutes } from './tasks/task-cancel.route';
import { taskEventsRoutes } from './tasks/task-events.route';
import { taskStreamRoutes } from './tasks/task-stream.route';
import { metricsHistoryRoutes } from './system/metrics-history.route';
import { taskRetryRoutes } from './tasks/task-retry.route';
import { taskWebhooksRoutes } from './tasks/task-webhooks.route';

export interface AppDeps {
  config: ApiConfig;
  logger: Logger;
  store: Pick<MongoStore, 'repositories' | 'ping'>;
  /** The task queue (main.ts: the Bull producer). */
  queue: TaskQueue;
  /** Tells running workers that a client cancelled a task (main.ts: Redis pub/sub). */
  cancels: CancelChannel;
  /** Whether Redis answers within `timeoutMs` (readiness, system metrics). */
  pingRedis: (timeoutMs: number) => Promise<boolean>;
  /** Where live workers and their agents are read from (main.ts: the registry in the queue's Redis). */
  workerDirectory: WorkerDirectory;
  /** Clock for task timestamps; tests pin it. */
  now?: () => Date;
  /** Stored on each task's metadata (e.g. `production`). */
  environment: string;
  /** Where rate-limit hits are counted: main.ts passes the Redis store all API processes share; defaults to an in-memory store (per process). */
  rateLimitStore?: RateLimitStore;
  /** How long /readyz waits for each dependency. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** How long /v1/system/metrics waits for each of its parts. Default 5000 ms. */
  metricsTimeoutMs?: number;
  /**
   * Installed first when given, with the OpenAPI document this app serves. Tests pass the contract
   * check (src/testing/contract), which holds every response against the document.
   */
  contractCheck?: (document: OpenApiDocument) => RequestHandler;
  /** Task lifecycle events (`task.accepted`, ...); defaults to log lines only. main.ts adds the sinks. */
  events?: TaskEvents;
  /** Prometheus metrics of this process (GET /metrics); a fresh registry per app by default. */
  metrics?: ApiMetrics;
  /**
   * Where stream events are announced (main.ts: Redis pub/sub), for GET /v1/tasks/{task_id}/stream.
   * Without it streams are served from the store alone: events arrive on each heartbeat.
   */
  streamBus?: Pick<TaskStreamBus, 'subscribe'>;
}

/** A bus that announces nothing: streams then read the store on each heartbeat. */
const STORE_ONLY_BUS: Pick<TaskStreamBus, 'subscribe'> = { subscribe: async () => ({ close: async () => undefined }) };

const STREAM_TASK = 'streamTask';
const TASK_COUNTING = 'taskCounting';

/** Ends the app's open task streams (at shutdown: their clients reconnect to another process). */
export function endOpenStreams(app: Express): Promise<void> {
  const streams = app.locals[STREAM_TASK] as StreamTask | undefined;
  return streams ? streams.endAll() : Promise.resolve();
}

/** Writes the counter increments waiting in the app's write window (COUNTERS_WRITE_WINDOW_MS) and waits for them (shutdown). */
export function settleCounters(app: Express): Promise<void> {
  const counting = app.locals[TASK_COUNTING] as TaskCounting | undefined;
  return counting ? counting.settled() : Promise.resolve();
}

/** The Express app, fully wired but not listening: main.ts listens, tests use supertest. */
export function createApp(deps: AppDeps): Express {
  const { config, logger, store, queue, cancels, pingRedis } = deps;
  const now = deps.now ?? (() => new Date());
  const readinessTimeoutMs = deps.readinessTimeoutMs ?? 2000;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  const openApiDocument = buildOpenApiDocument({
    taskMaxLength: config.taskMaxLength,
    bodyLimitBytes: config.bodyLimitBytes,
    apiKeys: config.apiKeys.length > 0,
    metricsToken: config.metrics.token !== undefined,
    callbackAllowHttp: config.webhooks.allowHttp,
  });
  if (deps.contractCheck) app.use(deps.contractCheck(openApiDocument));

  app.use(requestIdMiddleware(logger));
  app.use(requestLogMiddleware());
  const prometheus = deps.metrics ?? createApiMetrics();
  app.use(httpMetricsMiddleware(prometheus.http));
  app.use(helmet());
  app.use(corsMiddleware(config.corsOrigins));
  app.use(optionsHandler());

  const rateLimit = rateLimitMiddleware({
    perMinute: config.rateLimitPerMinute,
    perMinuteOfTenant: (tenant) => config.tenantLimits.of(tenant).requestsPerMinute,
    store: deps.rateLimitStore,
    logger,
  });
  const events = deps.events ?? new TaskEventLog(logger, 'api');
  const { repositories } = store;
  const counting = new TaskCounting({ counters: repositories.taskCounters, logger, windowMs: config.counters.writeWindowMs });
  app.locals[TASK_COUNTING] = counting;
  // A queued task cancelled here ends here: its webhook is recorded, and the worker's sweep delivers it.
  const webhooks = new WebhookOutbox({ deliveries: repositories.webhookDeliveries, tasks: repositories.tasks, logger, now });
  const lifecycle = new TaskLifecycle({ tasks: repositories.tasks, events, now, counting, webhooks });
  const limitsOf = (tenant: string) => config.tenantLimits.of(tenant);
  const quota = new TenantQuota({ tasks: repositories.tasks, counters: repositories.taskCounters, limitsOf, now });
  const callbacks = new CallbackPolicy(config.webhooks);
  const acceptTask = new AcceptTask({ repositories, queue, lifecycle, now, environment: deps.environment, unpricedModels: config.llm.unpricedModels, quota, callbacks });

  app.use(healthRoutes({ pingMongo: () => store.ping(), pingRedis: () => pingRedis(readinessTimeoutMs), timeoutMs: readinessTimeoutMs }));
  app.use(openApiRoutes(openApiDocument));
  app.use(docsRoutes());
  app.use(metricsRoutes({ registry: prometheus.registry, ...config.metrics }));
  // Public routes (health; the OpenAPI document and docs page) go ABOVE this line. Every /v1 route
  // below needs an API key when keys are configured, and is rate limited per tenant, else per IP
  // (a missing or wrong key is counted against the IP before the 401), then needs its route's scope
  // (403). Every route below reads and changes only the caller's tenant's data (principalOf).
  const auth = apiKeyAuth({ keys: config.apiKeys, logger });
  app.use('/v1', auth.identify, rateLimit, auth.require, requireScope());
  const idempotency = new IdempotentSubmission({ keys: repositories.idempotencyKeys, tasks: repositories.tasks, ttlMs: config.idempotencyTtlHours * 3_600_000, now });
  app.use(executeRoutes({ acceptTask, dto: createExecuteTaskDto(config), bodyLimitBytes: config.bodyLimitBytes, rateLimit, idempotency }));
  app.use(tasksRoutes({ listTasks: new ListTasks({ tasks: repositories.tasks }), getTask: new GetTask({ tasks: repositories.tasks }), rateLimit }));
  app.use(taskCancelRoutes({ cancelTask: new CancelTask({ tasks: repositories.tasks, lifecycle, queue, cancels, logger }), rateLimit }));
  const taskEvents = new GetTaskEvents({ tasks: repositories.tasks, taskEvents: repositories.taskEvents });
  app.use(taskEventsRoutes({ taskEvents, loggingEnabled: config.taskEventStore.enabled, rateLimit }));
  app.use(taskWebhooksRoutes({ taskWebhooks: new GetTaskWebhooks({ tasks: repositories.tasks, webhookDeliveries: repositories.webhookDeliveries }), rateLimit }));
  const streamTask = new StreamTask({ tasks: repositories.tasks, stream: repositories.taskStream, bus: deps.streamBus ?? STORE_ONLY_BUS, logger, heartbeatMs: config.stream.heartbeatMs, now });
  app.locals[STREAM_TASK] = streamTask;
  app.use(taskStreamRoutes({ streamTask, openStreams: new OpenStreamLimit(config.stream.maxOpenPerClient), rateLimit }));
  app.use(taskRetryRoutes({ retryTask: new RetryTask({ tasks: repositories.tasks, lifecycle, queue, requeueTimeoutMs: config.enqueueTimeoutMs }), rateLimit }));
  const workers = deps.workerDirectory;
  const metricsTimeoutMs = deps.metricsTimeoutMs ?? 5000;
  const metrics = new GetSystemMetrics({
    counters: repositories.taskCounters,
    queue,
    workers,
    pingMongo: () => store.ping(),
    pingRedis: () => pingRedis(readinessTimeoutMs),
    now,
    timeoutMs: metricsTimeoutMs,
  });
  app.use(metricsHistoryRoutes({ history: new GetMetricsHistory({ counters: repositories.taskCounters, now }), rateLimit }));
  app.use(systemRoutes({ metrics, rateLimit }));
  app.use(agentsRoutes({ listAgents: new ListAgents({ workers }), rateLimit }));
  app.use(usageRoutes({ usage: new GetTenantUsage({ tasks: repositories.tasks, counters: repositories.taskCounters, limitsOf, now }), rateLimit }));
  app.use(rateLimit, unmatchedRouteHandler());
  app.use(errorHandler());
  return app;
}
