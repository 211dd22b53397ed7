/**
 * The worker's composition: config → adapters (MongoDB, the Bull queue, Redis
 * pub/sub, leases, metrics) → the use cases of @agent-orchestrator/tasks, and
 * the order in which they stop.
 */
import { LlmRoles, type ModuleImporter } from '@agent-orchestrator/agents-core';
import { connectMongo } from '@agent-orchestrator/persistence';
import type { Env, WorkerConfig } from '@agent-orchestrator/config';
import { BullTaskQueue, BullWebhookQueue, RedisCancelListener, RedisClaims, RedisLock, RedisTaskStreamBus, publishWorker } from '@agent-orchestrator/messaging';
import { BufferedEventSink, TaskEventLog, WorkerMetrics, type Logger } from '@agent-orchestrator/observability';
import { PeerAgent } from '@agent-orchestrator/router';
import {
  CancelWatcher,
  DeliverWebhook,
  HttpWebhookSender,
  ProcessTask,
  TaskCounting,
  RECONCILER_LOCK_KEY,
  Reconciler,
  TaskStreamPublisher,
  WEBHOOK_SWEEP_LOCK_KEY,
  WebhookOutbox,
  WebhookSweep,
  onDeliveryFailed,
  startLeasedLoop,
  type LeasedLoop,
} from '@agent-orchestrator/tasks';
import { startHousekeeping } from './housekeeping';
import { buildAgentRegistry } from './build-agent-registry';

export interface RunningWorker {
  /** This process's id in the live-worker registry. */
  readonly worker_id: string;
  /** Port of the worker's GET /metrics listener (the real one when WORKER_METRICS_PORT=0); null when off. */
  readonly metrics_port: number | null;
  /**
   * Stops taking jobs and waits for the current ones up to the grace period (default WORKER_SHUTDOWN_GRACE_MS).
   * Jobs still running then are abandoned without writing anything: their lock expires and another
   * worker's stalled-job check takes them over. Then closes the connections. A second call waits for the first.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Connects to MongoDB and Redis, builds the agent registry and router, and starts consuming `agent_tasks`. */
export async function startWorker(config: WorkerConfig, logger: Logger, env: Env, importer?: ModuleImporter): Promise<RunningWorker> {
  const metrics = new WorkerMetrics(config, logger);
  const { llm: c } = config;
  const roles = await LlmRoles.create({
    defaultProvider: c.provider,
    connections: { openai: { apiKey: c.apiKey, baseURL: c.baseURL }, anthropic: c.anthropic },
    roles: c.roles,
    structuredOutput: c.structuredOutput,
    timeoutMs: c.timeoutMs,
    maxRetries: c.maxRetries,
    prices: c.prices,
    outputLimits: c.outputLimits,
    limits: c.limits,
    observer: metrics.llm.llmCall,
    logger,
  });
  const llm = roles.forRole('PEER');
  if (!llm.configured) {
    logger.warn(`No LLM provider configured for the router (set ${c.provider === 'openai' ? 'OPENAI_API_KEY or OPENAI_BASE_URL' : 'ANTHROPIC_API_KEY or ANTHROPIC_BASE_URL'}): every task will fail fast with LLM_NOT_CONFIGURED.`);
  }
  const registry = await buildAgentRegistry({ packages: config.agents, llm: roles, env, logger, importer, observers: { webSearch: metrics.llm.webSearch } });
  const router = new PeerAgent({ llm, model: c.peerModel, agents: registry.list(), minConfidence: config.routerMinConfidence });

  const store = await connectMongo({
    uri: config.mongo.uri,
    dbName: config.mongo.dbName,
    serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs,
    appName: 'agent-orchestrator-worker',
    onMonitorStall: (stall) => logger.warn('MongoDB server monitor was stuck; restarted it', { address: stall.address, stalled_ms: stall.stalledMs, restarted: stall.restarted }),
  });
  await store.ensureIndexes();
  const { ttl } = await store.ensureRetention({ logsDays: config.taskEventStore.retentionDays, snapshotsDays: config.metricsSnapshots.retentionDays, streamDays: config.stream.retentionDays });
  if (!ttl) logger.info('MongoDB has no TTL indexes (FerretDB?): old events and snapshots are removed by the hourly purge only');
  const { tasks } = store.repositories;
  const queue = new BullTaskQueue(config.redis.url, {
    attempts: config.jobAttempts,
    stalled: { lockDurationMs: config.queueLockDurationMs, stalledIntervalMs: config.queueStalledIntervalMs, maxStalledCount: config.queueMaxStalledCount },
    fair: config.fairQueue.enabled,
    logger,
  });
  const events = new TaskEventLog(logger, 'worker').addSink(metrics.taskSink);
  const { taskEventStore } = config;
  const eventSink = taskEventStore.enabled
    ? new BufferedEventSink({ writer: store.repositories.taskEvents, logger, bufferSize: taskEventStore.bufferSize, flushIntervalMs: taskEventStore.flushIntervalMs })
    : undefined;
  if (eventSink) events.addSink(eventSink.sink);
  // The task streams (GET /v1/tasks/{task_id}/stream): every lifecycle event and the agents' text, numbered
  // in MongoDB whatever LOG_TO_MONGO says, announced on Redis for the api processes serving them.
  const streams = new TaskStreamPublisher({
    store: store.repositories.taskStream,
    bus: new RedisTaskStreamBus({ redisUrl: config.redis.url, publisher: queue.queue.client, logger }),
    logger,
    deltaIntervalMs: config.stream.deltaIntervalMs,
    deltaMaxChars: config.stream.deltaMaxChars,
    // The api writes task.accepted after the enqueue: a quick pickup waits for it (bounded) to stay second.
    awaitFirst: { event: 'task.accepted', waitMs: 2000 },
    batchWindowMs: config.stream.writeWindowMs,
  });
  events.addSink(streams.sink);
  const cancellation = new CancelWatcher({ tasks, pollIntervalMs: config.cancelPollIntervalMs, logger });
  const shutdown = new AbortController();
  const running = new Set<Promise<unknown>>();
  const counting = new TaskCounting({ counters: store.repositories.taskCounters, logger, windowMs: config.counters.writeWindowMs });
  // Webhooks on completion (docs/webhooks.md): every ending of a task with a callback URL is recorded
  // (the outbox) and delivered by jobs of their own queue, retried on their own schedule.
  const stalled = { lockDurationMs: config.queueLockDurationMs, stalledIntervalMs: config.queueStalledIntervalMs, maxStalledCount: config.queueMaxStalledCount };
  const webhookQueue = new BullWebhookQueue(config.redis.url, { stalled, logger });
  const { webhooks: w } = config;
  const webhookOutbox = new WebhookOutbox({ deliveries: store.repositories.webhookDeliveries, tasks, queue: webhookQueue, logger });
  const deliverWebhook = new DeliverWebhook({
    deliveries: store.repositories.webhookDeliveries,
    queue: webhookQueue,
    sender: new HttpWebhookSender({ connectTimeoutMs: w.connectTimeoutMs, timeoutMs: w.timeoutMs, allowPrivateAddresses: w.allowPrivateAddresses }),
    secrets: { keys: w.keys, defaultSecret: w.defaultSecret },
    backoff: { baseMs: w.backoffBaseMs, maxDelayMs: w.backoffMaxMs, maxAgeMs: w.maxAgeMs },
    logger,
    observer: metrics.webhooks,
  });
  const processTask = new ProcessTask({ repositories: store.repositories, counting, webhooks: webhookOutbox, registry, router, llmConfigured: llm.configured, logger, events, taskTimeoutMs: config.taskTimeoutMs, historyLimit: config.historyLimit, cancellation, shutdown: shutdown.signal, deltas: streams });

  await queue.consume(
    ({ task_id, delivery }) => {
      const work = metrics.inFlight.track(() => processTask.run(task_id, delivery));
      running.add(work);
      return work.finally(() => running.delete(work));
    },
    { concurrency: config.concurrency, onFailed: (failed) => void onDeliveryFailed(failed, { events, tasks, logger }) },
  );
  await webhookQueue.consume((job) => deliverWebhook.run(job), { concurrency: w.concurrency });
  const queueCounts = { getJobCounts: () => queue.counts() };
  const { fairQueue } = config;
  await metrics.start(queueCounts, fairQueue.enabled && fairQueue.metricsTopTenants > 0 ? { tenantBacklog: () => queue.tenantBacklog(fairQueue.metricsTopTenants) } : undefined);
  await cancellation.listen(new RedisCancelListener(config.redis.url, logger));
  const redis = queue.queue.client;
  // Tell the API (GET /v1/agents, /v1/system/metrics) this worker is alive and what it registered;
  // the record expires on its own if this process dies without stop().
  const heartbeat = await publishWorker(
    redis,
    { agents: registry.list() },
    {
      intervalMs: config.heartbeatIntervalMs,
      onError: (err) => logger.warn('worker heartbeat failed; retrying on the next one', { error_message: err.message }),
    },
  );
  const housekeeping = startHousekeeping({ config, store, queueCounts: queueCounts.getJobCounts, claims: new RedisClaims(redis, heartbeat.worker_id), logger });
  // Every worker runs the loop; the Redis lease (three intervals long, so a dead holder is replaced within that time) picks who acts.
  const { reconcileIntervalMs: intervalMs } = config;
  const reconcile = new Reconciler({ tasks, queue, events, logger, graceMs: config.reconcileGraceMs, deadlineMs: config.taskDeadlineMs, batchSize: config.reconcileBatchSize, counting, webhooks: webhookOutbox });
  const reconciler: LeasedLoop | undefined =
    intervalMs > 0
      ? startLeasedLoop({
          lease: new RedisLock(redis, RECONCILER_LOCK_KEY, Math.max(intervalMs * 3, 1000), heartbeat.worker_id),
          intervalMs,
          logger,
          failureMessage: 'reconciler pass failed; trying again on the next one',
          run: () => reconcile.runOnce(),
        })
      : undefined;
  // Endings whose delivery a crash left unrecorded (their task's webhook marker) get it; due deliveries
  // without a job (recorded by the api, or whose job a crash lost) get one. Leased like the reconciler.
  const sweep = new WebhookSweep({ deliveries: store.repositories.webhookDeliveries, tasks, outbox: webhookOutbox, queue: webhookQueue, batchSize: 100 });
  const webhookSweep = startLeasedLoop({
    lease: new RedisLock(redis, WEBHOOK_SWEEP_LOCK_KEY, Math.max(w.sweepIntervalMs * 3, 1000), heartbeat.worker_id),
    intervalMs: w.sweepIntervalMs,
    logger,
    failureMessage: 'webhook sweep failed; trying again on the next one',
    run: () => sweep.runOnce(),
  });
  logger.info('worker ready', {
    worker_id: heartbeat.worker_id,
    queue: queue.name,
    concurrency: config.concurrency,
    llm_limits: c.limits,
    agents: registry.list().map((a) => `${a.name}@${a.version}`),
  });

  const stop = async (graceMs: number): Promise<void> => {
    // Leave the registry first: a draining worker takes no new job, so it no longer counts as alive.
    await heartbeat.stop();
    await reconciler?.stop();
    await webhookSweep.stop();
    // The housekeeping reads the queue: it stops before the queue's connections close.
    await housekeeping.stop();
    // A local pause takes no new job and resolves when the running ones are done.
    const drained = await within(Promise.all([queue.pause(), webhookQueue.pause()]).then(() => true), graceMs, false);
    if (!drained) {
      logger.warn('shutdown grace period over; leaving the running tasks to another worker', { running: running.size, grace_ms: graceMs });
      // Cut Redis first, so neither a completion nor a failure of these jobs reaches Bull and their locks
      // stop being renewed; then stop the tasks, which write nothing (TaskAbandonedError).
      await queue.close(true);
      await webhookQueue.close(true);
      shutdown.abort();
      await within(Promise.allSettled([...running]), 5000, undefined);
    } else {
      await queue.close();
      await webhookQueue.close();
    }
    await cancellation.stop();
    await metrics.stop();
    // Events of the last tasks go out before the connection closes.
    await eventSink?.close();
    await streams.close();
    // The counter increments waiting in the write window, and the write in flight.
    await within(counting.settled(), 5000, undefined);
    await store.close();
  };
  let stopping: Promise<void> | undefined;
  return {
    worker_id: heartbeat.worker_id,
    metrics_port: metrics.port,
    stop: (graceMs = config.shutdownGraceMs) => (stopping ??= stop(graceMs)),
  };
}

/** `promise`'s value, or `fallback` once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
