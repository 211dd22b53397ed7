import { createOpenAiProvider, type ModuleImporter } from '@agent-orchestrator/agents-core';
import { PROCESS_TASK_JOB, isUuidV4 } from '@agent-orchestrator/domain';
import { connectMongo } from '@agent-orchestrator/persistence';
import { MongoEventSink, TaskEventLog, createTaskQueue, publishWorker, type Env, type Logger, type WorkerConfig } from '@agent-orchestrator/platform';
import { PeerAgent } from '@agent-orchestrator/router';
import { createTaskProcessor } from './process-task.job';
import { startHousekeeping } from './housekeeping';
import { buildRegistry } from './registry';
import { onJobFailed } from './task-retried';

export interface RunningWorker {
  /** This process's id in the live-worker registry. */
  readonly worker_id: string;
  /** Stops taking jobs, waits for the current ones (up to the grace period), closes connections. */
  stop(graceMs?: number): Promise<void>;
}

/** Connects to MongoDB and Redis, builds the agent registry and router, and starts consuming `agent_tasks`. */
export async function startWorker(config: WorkerConfig, logger: Logger, env: Env, importer?: ModuleImporter): Promise<RunningWorker> {
  const llm = createOpenAiProvider({ apiKey: config.llm.apiKey, baseURL: config.llm.baseURL, timeoutMs: config.llm.timeoutMs, maxRetries: config.llm.maxRetries, prices: config.llm.prices });
  if (!llm.configured) {
    logger.warn('No LLM provider configured (set OPENAI_API_KEY or OPENAI_BASE_URL): every task will fail fast with LLM_NOT_CONFIGURED.');
  }
  const registry = await buildRegistry({ packages: config.agents, llm, env, logger, importer });
  const router = new PeerAgent({ llm, model: config.llm.peerModel, agents: registry.list(), minConfidence: config.routerMinConfidence });

  const store = await connectMongo({ uri: config.mongo.uri, dbName: config.mongo.dbName, serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs, appName: 'agent-orchestrator-worker' });
  await store.ensureIndexes();
  const { ttl } = await store.ensureRetention({ logsDays: config.taskEventStore.retentionDays, snapshotsDays: config.metricsSnapshots.retentionDays });
  if (!ttl) logger.info('MongoDB has no TTL indexes (FerretDB?): old events and snapshots are removed by the hourly purge only');
  const queue = createTaskQueue(config.redis.url, { attempts: config.jobAttempts });
  const events = new TaskEventLog(logger, 'worker');
  const { taskEventStore } = config;
  const eventSink = taskEventStore.enabled
    ? new MongoEventSink({ writer: store.repositories.taskEvents, logger, bufferSize: taskEventStore.bufferSize, flushIntervalMs: taskEventStore.flushIntervalMs })
    : undefined;
  if (eventSink) events.addSink(eventSink.sink);
  const processTask = createTaskProcessor({ repositories: store.repositories, registry, router, llmConfigured: llm.configured, logger, events, taskTimeoutMs: config.taskTimeoutMs, historyLimit: config.historyLimit });

  queue.on('error', (err) => logger.error('queue error', { error_message: err.message }));
  queue.on('failed', (job, err) => void onJobFailed(job, err, { events, tasks: store.repositories.tasks, logger }));
  void queue.process(PROCESS_TASK_JOB, config.concurrency, async (job) => {
    const taskId = job.data?.task_id;
    if (!isUuidV4(taskId)) {
      logger.warn('discarding malformed job', { job_id: String(job.id) });
      return 'missing';
    }
    return processTask(taskId, job.attemptsMade + 1);
  });
  await queue.isReady();
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
  logger.info('worker ready', {
    worker_id: heartbeat.worker_id,
    queue: queue.name,
    concurrency: config.concurrency,
    agents: registry.list().map((a) => `${a.name}@${a.version}`),
  });

  return {
    worker_id: heartbeat.worker_id,
    async stop(graceMs = 30_000) {
      // Leave the registry first: a draining worker takes no new job, so it no longer counts as alive.
      await heartbeat.stop();
      const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([queue.close(), timer]);
      await housekeeping.stop();
      // Events of the last tasks go out before the connection closes.
      await eventSink?.close();
      await store.close();
    },
  };
}
