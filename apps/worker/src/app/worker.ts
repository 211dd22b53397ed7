import { createOpenAiProvider, type ModuleImporter } from '@agent-orchestrator/agents-core';
import { PROCESS_TASK_JOB, isUuidV4 } from '@agent-orchestrator/domain';
import { connectMongo } from '@agent-orchestrator/persistence';
import type { Env, WorkerConfig } from '@agent-orchestrator/config';
import { createTaskQueue, publishWorker, subscribeTaskCancels } from '@agent-orchestrator/messaging';
import { BufferedEventSink, TaskEventLog, type Logger } from '@agent-orchestrator/observability';
import { PeerAgent } from '@agent-orchestrator/router';
import { CancelWatcher } from './cancel-watcher';
import { createTaskProcessor } from './process-task.job';
import { startHousekeeping } from './housekeeping';
import { Reconciler, startReconciler, type ReconcilerLoop } from './reconciler';
import { buildAgentRegistry } from './build-agent-registry';
import { onJobFailed } from './task-retried';
import { WorkerMetrics } from './worker-metrics';

export interface RunningWorker {
  /** This process's id in the live-worker registry. */
  readonly worker_id: string;
  /** Port of the worker's GET /metrics listener (the real one when WORKER_METRICS_PORT=0); null when off. */
  readonly metrics_port: number | null;
  /**
   * Stops taking jobs and waits for the current ones up to the grace period (default WORKER_SHUTDOWN_GRACE_MS).
   * Jobs still running then are abandoned without writing anything: their lock expires and another
   * worker's stalled-job check takes them over. Then closes the connections.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Connects to MongoDB and Redis, builds the agent registry and router, and starts consuming `agent_tasks`. */
export async function startWorker(config: WorkerConfig, logger: Logger, env: Env, importer?: ModuleImporter): Promise<RunningWorker> {
  const metrics = new WorkerMetrics(config, logger);
  const llm = createOpenAiProvider({ apiKey: config.llm.apiKey, baseURL: config.llm.baseURL, timeoutMs: config.llm.timeoutMs, maxRetries: config.llm.maxRetries, prices: config.llm.prices, observer: metrics.llm.llmCall });
  if (!llm.configured) {
    logger.warn('No LLM provider configured (set OPENAI_API_KEY or OPENAI_BASE_URL): every task will fail fast with LLM_NOT_CONFIGURED.');
  }
  const registry = await buildAgentRegistry({ packages: config.agents, llm, env, logger, importer, observers: { webSearch: metrics.llm.webSearch } });
  const router = new PeerAgent({ llm, model: config.llm.peerModel, agents: registry.list(), minConfidence: config.routerMinConfidence });

  const store = await connectMongo({
    uri: config.mongo.uri,
    dbName: config.mongo.dbName,
    serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs,
    appName: 'agent-orchestrator-worker',
    onMonitorStall: (stall) => logger.warn('MongoDB server monitor was stuck; restarted it', { address: stall.address, stalled_ms: stall.stalledMs, restarted: stall.restarted }),
  });
  await store.ensureIndexes();
  const { ttl } = await store.ensureRetention({ logsDays: config.taskEventStore.retentionDays, snapshotsDays: config.metricsSnapshots.retentionDays });
  if (!ttl) logger.info('MongoDB has no TTL indexes (FerretDB?): old events and snapshots are removed by the hourly purge only');
  const queue = createTaskQueue(config.redis.url, {
    attempts: config.jobAttempts,
    stalled: { lockDurationMs: config.queueLockDurationMs, stalledIntervalMs: config.queueStalledIntervalMs, maxStalledCount: config.queueMaxStalledCount },
  });
  const events = new TaskEventLog(logger, 'worker').addSink(metrics.taskSink);
  const { taskEventStore } = config;
  const eventSink = taskEventStore.enabled
    ? new BufferedEventSink({ writer: store.repositories.taskEvents, logger, bufferSize: taskEventStore.bufferSize, flushIntervalMs: taskEventStore.flushIntervalMs })
    : undefined;
  if (eventSink) events.addSink(eventSink.sink);
  const cancellation = new CancelWatcher({ tasks: store.repositories.tasks, pollIntervalMs: config.cancelPollIntervalMs, logger });
  const shutdown = new AbortController();
  const running = new Set<Promise<unknown>>();
  const processTask = createTaskProcessor({
    repositories: store.repositories,
    registry,
    router,
    llmConfigured: llm.configured,
    logger,
    events,
    taskTimeoutMs: config.taskTimeoutMs,
    historyLimit: config.historyLimit,
    cancellation,
    shutdown: shutdown.signal,
  });

  queue.on('error', (err) => logger.error('queue error', { error_message: err.message }));
  queue.on('failed', (job, err) => void onJobFailed(job, err, { events, tasks: store.repositories.tasks, logger }));
  void queue.process(PROCESS_TASK_JOB, config.concurrency, async (job) => {
    const taskId = job.data?.task_id;
    if (!isUuidV4(taskId)) {
      logger.warn('discarding malformed job', { job_id: String(job.id) });
      return 'missing';
    }
    const work = metrics.inFlight.track(() => processTask(taskId, job.attemptsMade + 1));
    running.add(work);
    return work.finally(() => running.delete(work));
  });
  await queue.isReady();
  await metrics.start(queue);
  const cancels = await subscribeTaskCancels(config.redis.url, (taskId) => cancellation.notify(taskId), {
    onError: (err) => logger.warn('task cancel channel error; running tasks still poll for cancels', { error_message: err.message }),
  });
  const housekeeping = startHousekeeping({ config, store, queueCounts: () => queue.getJobCounts(), logger });
  // Tell the API (GET /v1/agents, /v1/system/metrics) this worker is alive and what it registered;
  // the record expires on its own if this process dies without stop().
  const heartbeat = await publishWorker(
    queue.client,
    { agents: registry.list() },
    {
      intervalMs: config.heartbeatIntervalMs,
      onError: (err) => logger.warn('worker heartbeat failed; retrying on the next one', { error_message: err.message }),
    },
  );
  const reconciler: ReconcilerLoop | undefined =
    config.reconcileIntervalMs > 0
      ? startReconciler(
          new Reconciler({
            tasks: store.repositories.tasks,
            queue,
            events,
            logger,
            graceMs: config.reconcileGraceMs,
            deadlineMs: config.taskDeadlineMs,
            batchSize: config.reconcileBatchSize,
          }),
          { redis: queue.client, intervalMs: config.reconcileIntervalMs, logger, owner: heartbeat.worker_id },
        )
      : undefined;
  logger.info('worker ready', {
    worker_id: heartbeat.worker_id,
    queue: queue.name,
    concurrency: config.concurrency,
    agents: registry.list().map((a) => `${a.name}@${a.version}`),
  });

  return {
    worker_id: heartbeat.worker_id,
    metrics_port: metrics.port,
    async stop(graceMs = config.shutdownGraceMs) {
      // Leave the registry first: a draining worker takes no new job, so it no longer counts as alive.
      await heartbeat.stop();
      await reconciler?.stop();
      // A local pause takes no new job and resolves when the running ones are done.
      const drained = await within(queue.pause(true).then(() => true), graceMs, false);
      if (!drained) {
        logger.warn('shutdown grace period over; leaving the running tasks to another worker', { running: running.size, grace_ms: graceMs });
        // Cut Redis first, so neither a completion nor a failure of these jobs reaches Bull and their locks
        // stop being renewed; then stop the tasks, which write nothing (TaskAbandonedError).
        await queue.close(true);
        shutdown.abort();
        await within(Promise.allSettled([...running]), 5000, undefined);
      } else {
        await queue.close();
      }
      await cancels.close();
      cancellation.stop();
      await metrics.stop();
      await housekeeping.stop();
      // Events of the last tasks go out before the connection closes.
      await eventSink?.close();
      await store.close();
    },
  };
}

/** `promise`'s value, or `fallback` once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
