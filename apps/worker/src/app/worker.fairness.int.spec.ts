// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup;
// starts a local OpenAI stub (the router's LLM).
// Fair queuing between tenants (docs/fair-queuing.md) with a whole worker (startWorker, 4 slots): tenant A
// has 1,000 queued tasks, then tenant B submits one. With FAIR_QUEUE_ENABLED B starts after at most one A
// task per slot; with it off (the same code otherwise) B waits for A's backlog. Prints the figures of both.
import { randomUUID } from 'node:crypto';
import type { AgentDescriptor } from '@agent-orchestrator/agents-core';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { loadWorkerConfig } from '@agent-orchestrator/config';
import { newTask, type Task } from '@agent-orchestrator/domain';
import { BullTaskQueue, FAIR_STATE_KEY } from '@agent-orchestrator/messaging';
import { testRedisUrl, waitUntil } from '@agent-orchestrator/messaging/testing';
import { findSamples, type Logger } from '@agent-orchestrator/observability';
import { insertTasks, openTestDatabase, type TestDatabase } from '@agent-orchestrator/persistence/testing';
import { startWorker, type RunningWorker } from './worker';

const BACKLOG = 1000;
const CONCURRENCY = 4;
/** Without fair queuing, B is watched while this many A tasks start after its submit (B's wait would be the whole backlog). */
const FIFO_WATCH = 3 * CONCURRENCY;

interface Pickup {
  task_id: string;
  tenant: unknown;
  at: number;
}

/** A Logger that keeps the `task.picked_up` lines (with the time they were logged) and drops the rest. */
function pickupLogger(pickups: Pickup[]): Logger {
  const logger = {
    child: () => logger,
    log: (_level: string, _message: string, meta: Record<string, unknown> = {}) => {
      if (meta['event'] === 'task.picked_up') pickups.push({ task_id: String(meta['task_id']), tenant: meta['tenant'], at: Date.now() });
    },
    error: () => undefined,
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
  };
  return logger as unknown as Logger;
}

/** The stand-in agent: busy for 50–100 ms, like a quick model call. */
const descriptor: AgentDescriptor = {
  name: 'EchoAgent',
  version: '1.0.0',
  agent_type: 'echo',
  description: 'Repeats the task back after a short while; a stand-in agent package for this test.',
  create: () => ({
    name: 'EchoAgent',
    version: '1.0.0',
    run: async (input) => {
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 51)));
      return { output: { agent_name: 'EchoAgent', content: input.task, citations: [] }, usage: [], model: null };
    },
  }),
};

function tenantTask(tenant: string): Task {
  return newTask({
    task_id: randomUUID(),
    session_id: randomUUID(),
    task: `A task of tenant ${tenant}`,
    metadata: { ip: null, user_agent: null, request_id: randomUUID(), environment: 'test' },
    now: new Date(),
    tenant_id: tenant,
  });
}

interface Figures {
  mode: 'fair' | 'fifo';
  /** A tasks the queue had handed to a worker slot when B's job was in the queue. */
  aStartedBeforeSubmit: number;
  /** A tasks handed to a slot after B's job was in the queue and before B (for B not started: until the end of the watch). */
  aStartedAfterSubmit: number;
  /** From the submit (store, then enqueue) to the pickup, in ms; null when B had not started by the end of the watch. */
  bTimeToStartMs: number | null;
  /** Without B started: jobs still ahead of B and the wait that makes at the measured pace. */
  aheadOfB?: number;
  estimatedTimeToStartMs?: number;
  /** The per-tenant waiting gauge of the worker's /metrics while A's backlog waited (fair mode). */
  gauge?: Record<string, number>;
}

describe('fair queuing between tenants, with a real worker (MongoDB, Redis, Bull)', () => {
  let openai: OpenAiStub;

  beforeAll(async () => {
    // The router's call: 20 ms, always to EchoAgent.
    openai = await startOpenAiStub(() => ({ json: { agent_name: 'EchoAgent', confidence: 0.9, reasoning: 'It asks for an echo.' }, usage: { prompt_tokens: 50, completion_tokens: 10 }, delayMs: 20 }));
  });

  afterAll(async () => {
    await openai?.close();
  });

  async function scenario(fair: boolean): Promise<Figures> {
    const redisUrl = testRedisUrl();
    const db: TestDatabase = await openTestDatabase('ao_worker_fair');
    // The api's side: a producer with the same FAIR_QUEUE_ENABLED as the worker.
    const producer = new BullTaskQueue(redisUrl, { fair });
    let worker: RunningWorker | undefined;
    const pickups: Pickup[] = [];
    try {
      await producer.ready();
      await producer.queue.obliterate({ force: true });
      await producer.queue.client.del(producer.queue.toKey(FAIR_STATE_KEY));

      // A's backlog: stored in bulk, enqueued through the adapter like the api would (100 at a time).
      const backlog = Array.from({ length: BACKLOG }, () => tenantTask('a'));
      await insertTasks(db.raw, backlog);
      for (let i = 0; i < backlog.length; i += 100) await Promise.all(backlog.slice(i, i + 100).map((t) => producer.enqueue(t.task_id, { tenant: 'a' })));
      expect((await producer.counts()).waiting).toBe(BACKLOG);

      const config = loadWorkerConfig({
        MONGO_URI: db.uri,
        MONGO_DB_NAME: db.dbName,
        REDIS_URL: redisUrl,
        AGENTS: 'echo-agent-package',
        OPENAI_API_KEY: 'sk-worker-fairness-test',
        OPENAI_BASE_URL: openai.url,
        LLM_MAX_RETRIES: '0',
        WORKER_CONCURRENCY: String(CONCURRENCY),
        FAIR_QUEUE_ENABLED: String(fair),
        RECONCILE_INTERVAL_MS: '0',
        WORKER_METRICS_PORT: '0',
        WORKER_METRICS_HOST: '127.0.0.1',
        QUEUE_DEPTH_LOG_INTERVAL_MS: '0',
        LOG_LEVEL: 'info',
      });
      worker = await startWorker(config, pickupLogger(pickups), {}, async () => ({ agentDescriptor: descriptor }));

      // Every slot busy with A, for a while.
      expect(await waitUntil(async () => pickups.length >= 2 * CONCURRENCY, { timeoutMs: 120_000, intervalMs: 10 })).toBe(true);
      let gauge: Record<string, number> | undefined;
      if (fair) {
        const text = await (await fetch(`http://127.0.0.1:${worker.metrics_port}/metrics`)).text();
        gauge = Object.fromEntries(findSamples(text, 'queue_tenant_waiting').map((s) => [s.labels['tenant'], s.value]));
      }

      // B submits one task: stored, then enqueued (what the accept use case does before its 202).
      const b = tenantTask('b');
      const submittedAt = Date.now();
      await db.store.repositories.tasks.create(b);
      await producer.enqueue(b.task_id, { tenant: 'b' });
      const enqueuedAt = Date.now();
      const pickedBefore = pickups.length;

      const bPickup = () => pickups.find((p) => p.task_id === b.task_id);
      await waitUntil(async () => bPickup() !== undefined || pickups.length - pickedBefore >= FIFO_WATCH, { timeoutMs: 120_000, intervalMs: 5 });
      const picked = bPickup();
      // "Started" = handed to a worker slot by the queue (Bull's processedOn, stamped with this process's clock at
      // moveToActive), so a slow MongoDB claim after the handout does not blur the order.
      const handedOut = async (id: string) => (await producer.queue.getJob(id))?.processedOn ?? Number.POSITIVE_INFINITY;
      const bStart = picked ? await handedOut(b.task_id) : Number.POSITIVE_INFINITY;
      const aStarts = await Promise.all(pickups.filter((p) => p.task_id !== b.task_id).map((p) => handedOut(p.task_id)));
      const aStartedBeforeSubmit = aStarts.filter((t) => t <= enqueuedAt).length;
      const aStartedAfterSubmit = aStarts.filter((t) => t > enqueuedAt && t < bStart).length;
      const mode = fair ? 'fair' : 'fifo';
      if (picked) {
        expect(picked.tenant).toBe('b');
        return { mode, aStartedBeforeSubmit, aStartedAfterSubmit, bTimeToStartMs: picked.at - submittedAt, ...(gauge ? { gauge } : {}) };
      }
      // B still waits: how many jobs are ahead of it, and how long they take at the pace measured since the submit.
      const watchedMs = Date.now() - submittedAt;
      const aheadOfB = (await producer.counts()).waiting - 1;
      const pace = Math.max(1, pickups.length - pickedBefore) / watchedMs;
      return { mode, aStartedBeforeSubmit, aStartedAfterSubmit, bTimeToStartMs: null, aheadOfB, estimatedTimeToStartMs: Math.round(watchedMs + aheadOfB / pace) };
    } finally {
      expect(pickups.filter((p) => p.tenant === 'a').length).toBeGreaterThan(0);
      await worker?.stop(1000);
      await producer.queue.obliterate({ force: true }).catch(() => undefined);
      await producer.queue.client.del(producer.queue.toKey(FAIR_STATE_KEY)).catch(() => undefined);
      await producer.close();
      await db.dispose();
    }
  }

  it(`starts B's task after at most ${CONCURRENCY} A tasks (one per slot) with fair queuing, after A's whole backlog without`, async () => {
    const withScheme = await scenario(true);
    const without = await scenario(false);
    process.stdout.write(
      [
        `fairness (backlog ${BACKLOG} tasks of tenant A, ${CONCURRENCY} worker slots, tasks of 70–120 ms; A tasks counted as handed to a slot after B's job was queued):`,
        `  FAIR_QUEUE_ENABLED=true : B started ${withScheme.bTimeToStartMs} ms after its submit, after ${withScheme.aStartedAfterSubmit} A tasks (A's waiting gauge: ${JSON.stringify(withScheme.gauge)})`,
        without.bTimeToStartMs === null
          ? `  FAIR_QUEUE_ENABLED=false: B not started after ${without.aStartedAfterSubmit} A tasks; ${without.aheadOfB} jobs still ahead of it, about ${without.estimatedTimeToStartMs} ms to its start at the pace measured`
          : `  FAIR_QUEUE_ENABLED=false: B started ${without.bTimeToStartMs} ms after its submit, after ${without.aStartedAfterSubmit} A tasks`,
        '',
      ].join('\n'),
    );

    expect(withScheme.bTimeToStartMs).not.toBeNull();
    expect(withScheme.aStartedAfterSubmit).toBeLessThanOrEqual(CONCURRENCY);
    // A's backlog, nearly whole, waited in the gauge.
    expect(withScheme.gauge?.['a']).toBeGreaterThan(BACKLOG - 3 * FIFO_WATCH);
    // Without the scheme B is last in line: behind the rest of A's backlog.
    expect(without.bTimeToStartMs).toBeNull();
    // (Jobs already handed out when B's job arrived are not counted; some of the watched pickups are those.)
    expect(without.aStartedAfterSubmit).toBeGreaterThanOrEqual(FIFO_WATCH - CONCURRENCY);
    expect(without.aheadOfB).toBeGreaterThan(BACKLOG - 3 * FIFO_WATCH);
  }, 400_000);
});
