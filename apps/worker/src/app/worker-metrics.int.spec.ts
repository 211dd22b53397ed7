// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup;
// starts a local OpenAI stub for the router.
// A whole worker (startWorker) serves its Prometheus metrics on its own listener while it runs a task,
// and logs the "queue depth" line CloudWatch reads.
import { randomUUID } from 'node:crypto';
import type { AgentDescriptor } from '@agent-orchestrator/agents-core';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { newTask } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { loadWorkerConfig } from '@agent-orchestrator/config';
import { createTaskQueue, enqueueTask, type TaskQueue } from '@agent-orchestrator/messaging';
import { findSamples, type Logger } from '@agent-orchestrator/observability';
import { startWorker, type RunningWorker } from './worker';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';

interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

/** A Logger that keeps its lines, child bindings included. */
function recordingLogger(lines: LogLine[], bound: Record<string, unknown> = {}): Logger {
  const at =
    (level: string) =>
    (message: string, meta: Record<string, unknown> = {}) =>
      void lines.push({ ...bound, ...meta, level, message });
  return {
    child: (meta: Record<string, unknown>) => recordingLogger(lines, { ...bound, ...meta }),
    log: (level: string, message: string, meta?: Record<string, unknown>) => at(level)(message, meta),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
  } as unknown as Logger;
}

const ROUTER_USAGE = { prompt_tokens: 210, completion_tokens: 35 };

describe('worker metrics listener (real MongoDB and Redis)', () => {
  const mongoUri = process.env['MONGO_URI']!;
  // worker.int.spec.ts picks a database from 1 to 15; 0 keeps this worker out of its live-worker list.
  const redisUrl = testRedisUrl(0);
  const dbName = testDatabaseName('ao_worker_metrics');
  const lines: LogLine[] = [];
  let openai: OpenAiStub;
  let store: MongoStore;
  let producer: TaskQueue;
  let worker: RunningWorker | undefined;
  let release!: () => void;
  let started!: () => void;
  const agentStarted = new Promise<void>((resolve) => (started = resolve));

  const descriptor: AgentDescriptor = {
    name: 'EchoAgent',
    version: '1.0.0',
    agent_type: 'echo',
    description: 'Repeats the task back once released; a stand-in agent package for this test.',
    create: () => ({
      name: 'EchoAgent',
      version: '1.0.0',
      run: async (input) => {
        started();
        await new Promise<void>((resolve) => (release = resolve));
        return { output: { agent_name: 'EchoAgent', content: input.task, citations: [] }, usage: [], model: null };
      },
    }),
  };

  // METRICS_TOKEN is set, as in the deployed stacks: every scrape sends it unless a test says otherwise.
  const token = 'worker-metrics-int-token-0123456789';
  const scrape = async (path = '/metrics', authorization: string | null = `Bearer ${token}`) =>
    fetch(`http://127.0.0.1:${worker!.metrics_port}${path}`, { headers: authorization === null ? {} : { authorization } });
  const metricsText = async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    return res.text();
  };
  const value = (text: string, name: string, labels: Record<string, string> = {}) => findSamples(text, name, labels).map((s) => s.value);

  beforeAll(async () => {
    openai = await startOpenAiStub(() => ({ json: { agent_name: 'EchoAgent', confidence: 0.9, reasoning: 'It asks for an echo.' }, usage: ROUTER_USAGE }));
    store = await connectMongo({ uri: mongoUri, dbName });
    await store.ensureIndexes();
    producer = createTaskQueue(redisUrl);
    await producer.isReady();
    await producer.empty();
    await producer.clean(0, 'completed');
    await producer.clean(0, 'failed');
  });

  afterAll(async () => {
    release?.();
    await worker?.stop(1000);
    await producer?.close();
    await store?.close();
    await dropTestDatabase(dbName);
    await openai?.close();
  });

  it('serves queue depth, jobs in flight, task, LLM and process metrics, and logs the queue depth line', async () => {
    const config = loadWorkerConfig({
      MONGO_URI: mongoUri,
      MONGO_DB_NAME: dbName,
      REDIS_URL: redisUrl,
      AGENTS: 'echo-agent-package',
      OPENAI_API_KEY: 'sk-worker-metrics-test',
      OPENAI_BASE_URL: openai.url,
      LLM_PEER_MODEL: 'gpt-4o-mini',
      LLM_MAX_RETRIES: '0',
      WORKER_METRICS_PORT: '0',
      WORKER_METRICS_HOST: '127.0.0.1',
      QUEUE_DEPTH_LOG_INTERVAL_MS: '100',
      METRICS_TOKEN: token,
      LOG_LEVEL: 'error',
    });
    worker = await startWorker(config, recordingLogger(lines), {}, async () => ({ agentDescriptor: descriptor }));
    expect(worker.metrics_port).toEqual(expect.any(Number));
    expect(worker.metrics_port).toBeGreaterThan(0);

    // The listener refuses scrapes without the token or with a wrong one.
    for (const authorization of [null, 'Bearer not-the-worker-token-at-all']) {
      const refused = await scrape('/metrics', authorization);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('worker_jobs_in_flight');
    }

    const idle = await metricsText();
    expect(value(idle, 'worker_jobs_in_flight', { service: 'worker' })).toEqual([0]);
    expect(
      findSamples(idle, 'queue_jobs')
        .map((s) => s.labels['state'])
        .sort(),
    ).toEqual(['active', 'completed', 'delayed', 'failed', 'paused', 'waiting']);
    expect(value(idle, 'process_resident_memory_bytes', { service: 'worker' })).toHaveLength(1);

    const task = newTask({
      task_id: randomUUID(),
      session_id: randomUUID(),
      task: 'Echo this back',
      metadata: { ip: null, user_agent: null, request_id: 'req-metrics', environment: 'test' },
      now: new Date(),
    });
    await store.repositories.tasks.create(task);
    await enqueueTask(producer, task.task_id);
    await agentStarted;

    // The agent is running: one job in flight and active in the queue; the router's call is counted.
    const busy = await metricsText();
    expect(value(busy, 'worker_jobs_in_flight')).toEqual([1]);
    expect(value(busy, 'queue_jobs', { state: 'active' })).toEqual([1]);
    expect(value(busy, 'llm_calls_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', outcome: 'success' })).toEqual([1]);
    expect(value(busy, 'llm_tokens_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', kind: 'prompt' })).toEqual([ROUTER_USAGE.prompt_tokens]);
    expect(value(busy, 'llm_tokens_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', kind: 'completion' })).toEqual([ROUTER_USAGE.completion_tokens]);
    expect(value(busy, 'task_queue_wait_seconds_count')).toEqual([1]);

    release();
    let done = '';
    for (let i = 0; i < 100 && !value(done, 'tasks_finished_total').length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await metricsText();
    }
    expect(value(done, 'tasks_finished_total', { outcome: 'completed', agent: 'EchoAgent' })).toEqual([1]);
    expect(value(done, 'task_processing_seconds_count', { outcome: 'completed', agent: 'EchoAgent' })).toEqual([1]);
    expect((await store.repositories.tasks.findById(task.task_id))?.status).toBe('completed');
    for (let i = 0; i < 50 && value(done, 'worker_jobs_in_flight')[0] !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = await metricsText();
    }
    expect(value(done, 'worker_jobs_in_flight')).toEqual([0]);

    // The line CloudWatch's QueueWaiting metric filter reads (infra/src/constructs/monitoring.ts).
    const depth = lines.find((l) => l.message === 'queue depth');
    expect(depth).toMatchObject({ level: 'info', environment: config.environment });
    for (const field of ['queue_waiting', 'queue_active', 'queue_delayed', 'queue_failed']) expect(depth?.[field]).toEqual(expect.any(Number));

    const elsewhere = await scrape('/other');
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: { type: 'NOT_FOUND' } });

    const port = worker.metrics_port;
    await worker.stop(1000);
    worker = undefined;
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});
