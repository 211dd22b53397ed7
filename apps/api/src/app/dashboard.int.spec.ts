// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup
// (tools/jest/services-setup.mjs). GET /v1/tasks, /v1/system/metrics and /v1/agents through the real
// HTTP app, a real connectMongo store (databases of this file's own), a real Bull queue (a key prefix
// of its own) and the real live-worker registry (a Redis logical database of its own).
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { newTask, type Task, type TaskStatus } from '@agent-orchestrator/domain';
import { LATENCY_P95_MAX_RELATIVE_ERROR, connectMongo, latencyBucket, latencyBucketValue, type MongoStore } from '@agent-orchestrator/persistence';
import {
  bullApiMessaging,
  createTaskQueue,
  pingQueue,
  publishWorker,
  WORKER_INDEX_KEY,
  WORKER_RECORD_PREFIX,
  type PublishedAgent,
  type TaskQueue,
  type WorkerHeartbeat,
} from '@agent-orchestrator/messaging';
import { createLogger } from '@agent-orchestrator/observability';
import { loadApiConfig } from '@agent-orchestrator/config';
import { createApp } from './app';
import { closeTestQueue, closedPort, testRedisUrl, waitUntil } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, requireMongoUri } from '@agent-orchestrator/persistence/testing';

/** A day of this file's own, so "today" is deterministic; the app's clock is pinned to it. */
const NOW = new Date('2034-04-05T12:00:00.000Z');
const TODAY = Date.UTC(2034, 3, 5);
const HOUR = 3_600_000;

const ids = (items: { task_id: string }[]) => items.map((t) => t.task_id);
function newestFirst(a: Task, b: Task): number {
  return b.created_at.getTime() - a.created_at.getTime() || (a.task_id < b.task_id ? 1 : a.task_id > b.task_id ? -1 : 0);
}

describe('dashboard endpoints (integration)', () => {
  const mongoUri = requireMongoUri();
  const redisUrl = testRedisUrl();
  const suffix = randomBytes(6).toString('hex');
  const logger = createLogger({ service: 'api', level: 'error', silent: true });

  let listStore: MongoStore;
  let metricsStore: MongoStore;
  let queue: TaskQueue;
  let deadQueue: TaskQueue;
  const heartbeats: WorkerHeartbeat[] = [];

  const config = () =>
    loadApiConfig({ MONGO_URI: mongoUri, REDIS_URL: redisUrl, APP_ENV: 'int-test', API_RATE_LIMIT_PER_MINUTE: '0', ENQUEUE_TIMEOUT_MS: '1000' });
  const app = (store: MongoStore, q: TaskQueue = queue) =>
    createApp({
      config: config(),
      logger,
      store,
      ...bullApiMessaging(q, { enqueueTimeoutMs: config().enqueueTimeoutMs, registryTimeoutMs: 1000 }),
      now: () => NOW,
      environment: 'int-test',
      readinessTimeoutMs: 1000,
      metricsTimeoutMs: 10_000,
    });

  const clearWorkers = async () => {
    const keys = await queue.client.keys(`${WORKER_RECORD_PREFIX}*`);
    await queue.client.del(WORKER_INDEX_KEY, ...keys);
  };

  beforeAll(async () => {
    [listStore, metricsStore] = await Promise.all(
      ['list', 'metrics'].map(async (name) => {
        const store = await connectMongo({ uri: mongoUri, dbName: `api_dash_${name}_${suffix}`, appName: 'api-dashboard-int-tests' });
        await store.ensureIndexes();
        return store;
      }),
    );
    queue = createTaskQueue(redisUrl, { failFast: true, prefix: `bull-dash-${suffix}` });
    if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) throw new Error(`Redis at ${redisUrl} is not reachable`);
    deadQueue = createTaskQueue(`redis://127.0.0.1:${await closedPort()}`, { failFast: true });
    await clearWorkers();
  });

  afterEach(async () => {
    await Promise.all(heartbeats.splice(0).map((h) => h.stop()));
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await clearWorkers().catch(() => undefined);
    await Promise.all([queue, deadQueue].filter(Boolean).map(closeTestQueue));
    await Promise.all([listStore, metricsStore].filter(Boolean).map((s) => s.close()));
    await Promise.all(['list', 'metrics'].map((name) => dropTestDatabase(`api_dash_${name}_${suffix}`)));
  });

  describe('GET /v1/tasks', () => {
    const seeded: Task[] = [];
    const statuses: TaskStatus[] = ['queued', 'processing', 'completed', 'failed'];

    beforeAll(async () => {
      // 30 tasks over two days, two sessions, two agent types; pairs share a created_at.
      for (let i = 0; i < 30; i++) {
        const created_at = new Date(TODAY - 30 * HOUR + Math.floor(i / 2) * HOUR);
        const task: Task = {
          ...newTask({
            task_id: randomUUID(),
            session_id: i % 3 === 0 ? 'dash-session-a' : 'dash-session-b',
            task: `task number ${i}`,
            metadata: { ip: null, user_agent: null, request_id: `r${i}`, environment: 'int-test' },
            now: created_at,
          }),
          status: statuses[i % 4]!,
          agent_type: i % 2 === 0 ? 'code' : 'content',
          selected_agent: i % 2 === 0 ? 'CodeAgent' : 'ContentAgent',
        };
        seeded.push(await listStore.repositories.tasks.create(task));
      }
    });

    async function fetchAll(url: string, between?: () => Promise<void>): Promise<{ task_id: string; created_at: string }[]> {
      const out: { task_id: string; created_at: string }[] = [];
      let next: string | null = url;
      for (let page = 0; next; page++) {
        if (page > 0) await between?.();
        const res: request.Response = await request(app(listStore)).get(next).expect(200);
        expect(res.body.api_version).toBe('v1');
        out.push(...res.body.data);
        next = res.body.links.next;
        expect(next === null).toBe(res.body.next_cursor === null);
        expect(next === null).toBe(!res.body.has_more);
      }
      return out;
    }

    it('lists every task newest first, created_at then task_id', async () => {
      const all = await fetchAll('/v1/tasks?limit=100');
      expect(ids(all)).toEqual(ids([...seeded].sort(newestFirst)));
    });

    it.each<[string, string, (t: Task) => boolean]>([
      ['status', 'status=failed', (t) => t.status === 'failed'],
      ['agent_type', 'agent_type=code', (t) => t.agent_type === 'code'],
      ['session_id', 'session_id=dash-session-a', (t) => t.session_id === 'dash-session-a'],
      ['created_from (inclusive)', `created_from=${new Date(TODAY - 20 * HOUR).toISOString()}`, (t) => t.created_at.getTime() >= TODAY - 20 * HOUR],
      ['created_to (exclusive)', `created_to=${new Date(TODAY - 20 * HOUR).toISOString()}`, (t) => t.created_at.getTime() < TODAY - 20 * HOUR],
      [
        'a date-only range (UTC days)',
        'created_from=2034-04-04&created_to=2034-04-05',
        (t) => t.created_at.getTime() >= TODAY - 24 * HOUR && t.created_at.getTime() < TODAY,
      ],
      [
        'everything at once',
        `status=queued&agent_type=code&session_id=dash-session-a&created_from=2034-04-04`,
        (t) => t.status === 'queued' && t.agent_type === 'code' && t.session_id === 'dash-session-a' && t.created_at.getTime() >= TODAY - 24 * HOUR,
      ],
    ])('filters by %s, across pages', async (_name, filter, match) => {
      const expected = seeded.filter(match).sort(newestFirst);
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(await fetchAll(`/v1/tasks?${filter}&limit=2`))).toEqual(ids(expected));
    });

    it('pages without duplicates or gaps while new tasks arrive between page fetches', async () => {
      const arrived: string[] = [];
      const pages = await fetchAll('/v1/tasks?limit=4', async () => {
        // A client submits tasks through the API while the dashboard pages.
        const res = await request(app(listStore)).post('/v1/agent/execute').send({ task: 'arrives mid-pagination', session_id: 'dash-late' }).expect(202);
        arrived.push(res.body.task_id);
      });
      expect(arrived.length).toBe(Math.ceil(seeded.length / 4) - 1);
      const seen = ids(pages);
      expect(new Set(seen).size).toBe(seen.length);
      // The new tasks are newer than page 1, so they are not on later pages; every older one is, once.
      expect(seen).toEqual(ids([...seeded].sort(newestFirst)));
      // A fresh listing starts with them.
      const first = await request(app(listStore)).get(`/v1/tasks?limit=${arrived.length}`).expect(200);
      expect(ids(first.body.data).sort()).toEqual([...arrived].sort());
    });

    it('accepts limit 1 and 100 and defaults to 20', async () => {
      expect((await request(app(listStore)).get('/v1/tasks?limit=1').expect(200)).body.data).toHaveLength(1);
      expect((await request(app(listStore)).get('/v1/tasks?limit=100&session_id=dash-session-b').expect(200)).body).toMatchObject({
        limit: 100,
        has_more: false,
      });
      const def = await request(app(listStore)).get('/v1/tasks?session_id=dash-session-b').expect(200);
      expect(def.body).toMatchObject({ limit: 20, has_more: false });
      expect(def.body.data).toHaveLength(20);
    });

    it.each<[string, string]>([
      ['/v1/tasks?limit=0', 'limit'],
      ['/v1/tasks?limit=101', 'limit'],
      ['/v1/tasks?status=paused', 'status'],
      ['/v1/tasks?created_from=04/05/2034', 'created_from'],
      ['/v1/tasks?status[$ne]=queued', 'status[$ne]'],
      ['/v1/tasks?agent_type=code&agent_type=content', 'agent_type'],
      ['/v1/tasks?cursor=eyJ2IjoxLCJjIjoxLCJpIjp7IiRndCI6IiJ9fQ', 'cursor'],
    ])('answers 400 for %s naming %s', async (url, field) => {
      const res = await request(app(listStore)).get(url).set('X-Request-Id', 'dash-bad').expect(400);
      expect(res.body).toEqual({
        error: {
          type: 'VALIDATION_ERROR',
          message: expect.any(String),
          details: expect.arrayContaining([{ field, message: expect.any(String) }]),
          request_id: 'dash-bad',
        },
        api_version: 'v1',
      });
    });
  });

  describe('GET /v1/system/metrics', () => {
    const code: [string, string] = ['CodeAgent', 'code'];
    const content: [string, string] = ['ContentAgent', 'content'];
    const tasks = () => metricsStore.repositories.tasks;

    async function seed(created: number, status: TaskStatus, agent: [string, string] | null, latencyMs?: number): Promise<void> {
      const created_at = new Date(created);
      const task: Task = {
        ...newTask({
          task_id: randomUUID(),
          session_id: 'metrics',
          task: 't',
          metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'int-test' },
          now: created_at,
        }),
        status: status === 'queued' ? 'queued' : 'processing',
        selected_agent: agent?.[0] ?? null,
        agent_type: agent?.[1] ?? null,
      };
      await tasks().create(task);
      if (status === 'completed' || status === 'failed') {
        const at = new Date(created + latencyMs!);
        const done =
          status === 'completed'
            ? await tasks().complete(task.task_id, { result: { summary: null, raw_output: 'ok', code_language: null, citations: [] }, usage: task.usage }, at)
            : await tasks().fail(task.task_id, { error: { type: 'LLM_ERROR', message: 'x' }, usage: task.usage }, at);
        expect(done).not.toBeNull();
      }
    }

    const latencies = [120, 250, 300, 410, 500, 650, 700, 800, 950, 1200, 1500, 2000, 2500, 3000, 4000, 5000, 6500, 8000, 9000, 30_000];

    beforeAll(async () => {
      // Yesterday: created and finished yesterday, and one still queued from yesterday -> in nothing.
      for (let i = 0; i < 6; i++) await seed(TODAY - 12 * HOUR + i, i % 2 ? 'completed' : 'failed', code, 99_999);
      await seed(TODAY - 2 * HOUR, 'queued', null);
      // Today: 2 queued, 3 processing (content), 20 finished (16 completed, 4 failed) with known latencies.
      await seed(TODAY + 1 * HOUR, 'queued', null);
      await seed(TODAY + 1 * HOUR + 1, 'queued', null);
      for (let i = 0; i < 3; i++) await seed(TODAY + 2 * HOUR + i, 'processing', content);
      for (const [i, ms] of latencies.entries()) await seed(TODAY + 3 * HOUR + i * 1000, i % 5 === 4 ? 'failed' : 'completed', i % 2 ? content : code, ms);
      // Tomorrow (clock skew): in nothing.
      await seed(TODAY + 30 * HOUR, 'queued', code);
      // Stored straight through the repositories, past TaskLifecycle's counting: the repair path
      // rebuilds the day's counters from the tasks (the aggregations the endpoint used to run).
      await metricsStore.repositories.taskCounters.rebuildDay(new Date(TODAY));
    });

    beforeEach(async () => {
      await queue.empty();
      await clearWorkers();
    });

    it('counts today by status and agent, excluding other days, with the exact latency avg and the p95 of the histogram', async () => {
      const res = await request(app(metricsStore)).get('/v1/system/metrics').expect(200);
      const sum = latencies.reduce((a, b) => a + b, 0);
      expect(res.body).toMatchObject({
        generated_at: NOW.toISOString(),
        today: { start: '2034-04-05T00:00:00.000Z', timezone: 'UTC' },
        tasks_today: { queued: 2, processing: 3, completed: 16, failed: 4, cancelled: 0, total: 25 },
        agent_distribution_today: [
          { agent_name: 'ContentAgent', agent_type: 'content', count: 13 },
          { agent_name: 'CodeAgent', agent_type: 'code', count: 10 },
        ],
        // Nearest rank: n = 20, rank ceil(19) = 19 -> the 19th smallest, 9000, read as the middle of its histogram bucket.
        latency_today_ms: { count: 20, avg: Math.round((sum / 20) * 10) / 10, p95: latencyBucketValue(latencyBucket(9000)) },
        health: { mongodb: 'ok', redis: 'ok', workers: 'none' },
        workers: { alive: 0, items: [] },
        api_version: 'v1',
      });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(Math.abs(res.body.latency_today_ms.p95 - 9000) / 9000).toBeLessThanOrEqual(LATENCY_P95_MAX_RELATIVE_ERROR);
    });

    it('reports the queue by state from real Bull jobs', async () => {
      const add = (opts = {}) => queue.add('process_task', { task_id: randomUUID() }, { attempts: 1, ...opts });
      for (let i = 0; i < 5; i++) await add();
      await add({ delay: 60_000 });
      // Take three jobs as a worker would (its own connection, which may block): one stays active,
      // one completes, one fails.
      const consumer = createTaskQueue(redisUrl, { prefix: `bull-dash-${suffix}` });
      try {
        const [active, done, failed] = [await consumer.getNextJob(), await consumer.getNextJob(), await consumer.getNextJob()];
        expect(active && done && failed).toBeTruthy();
        await done!.moveToCompleted('ok', true, true);
        await failed!.moveToFailed({ message: 'boom' }, true);
      } finally {
        await closeTestQueue(consumer);
      }

      const res = await request(app(metricsStore)).get('/v1/system/metrics').expect(200);
      expect(res.body.queue).toEqual({ waiting: 2, active: 1, delayed: 1, failed: 1, completed: 1, paused: 0 });
    });

    it('counts live workers, which disappear when their heartbeat stops', async () => {
      const agents: PublishedAgent[] = [{ name: 'CodeAgent', version: '1.0.0', agent_type: 'code', description: 'Writes code.' }];
      const crashing = await publishWorker(queue.client, { agents, hostname: 'host-a', pid: 1 }, { intervalMs: 100, ttlMs: 400 });
      heartbeats.push(await publishWorker(queue.client, { agents, hostname: 'host-b', pid: 2 }, { intervalMs: 100, ttlMs: 400 }));

      const both = await request(app(metricsStore)).get('/v1/system/metrics').expect(200);
      expect(both.body.workers.alive).toBe(2);
      expect(both.body.workers.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ worker_id: crashing.worker_id, hostname: 'host-a', pid: 1, agents })]),
      );
      expect(both.body.health.workers).toBe('ok');

      await crashing.stop({ deregister: false });
      let alive = 2;
      await waitUntil(
        async () => {
          alive = (await request(app(metricsStore)).get('/v1/system/metrics').expect(200)).body.workers.alive;
          return alive === 1;
        },
        { timeoutMs: 3000 },
      );
      expect(alive).toBe(1);

      await Promise.all(heartbeats.splice(0).map((h) => h.stop()));
      const none = await request(app(metricsStore)).get('/v1/system/metrics').expect(200);
      expect(none.body).toMatchObject({ workers: { alive: 0, items: [] }, health: { workers: 'none' } });
    });

    it('is 200 with the Redis parts null and health naming Redis when Redis is down', async () => {
      const res = await request(app(metricsStore, deadQueue)).get('/v1/system/metrics').expect(200);
      expect(res.body).toMatchObject({ queue: null, workers: null, health: { mongodb: 'ok', redis: 'down', workers: 'unknown' } });
      expect(res.body.tasks_today.total).toBe(25);
    });

    it('is 200 with the MongoDB parts null and health naming MongoDB when MongoDB is down', async () => {
      const dead = await connectMongo({ uri: mongoUri, dbName: `api_dash_dead_${suffix}`, serverSelectionTimeoutMS: 1000 });
      await dead.close();
      const res = await request(app(dead)).get('/v1/system/metrics').expect(200);
      expect(res.body).toMatchObject({ tasks_today: null, agent_distribution_today: null, latency_today_ms: null, health: { mongodb: 'down', redis: 'ok' } });
      expect(res.body.queue).not.toBeNull();
    });
  });

  describe('GET /v1/agents', () => {
    beforeEach(clearWorkers);

    it('lists what live workers published, once per name and version', async () => {
      const code = { name: 'CodeAgent', version: '1.0.0', agent_type: 'code', description: 'Writes code.' };
      const codeNext = { ...code, version: '1.1.0' };
      const content = { name: 'ContentAgent', version: '0.3.0', agent_type: 'content', description: 'Writes prose.' };
      heartbeats.push(await publishWorker(queue.client, { agents: [code, content] }, { intervalMs: 1000 }));
      heartbeats.push(await publishWorker(queue.client, { agents: [code, content] }, { intervalMs: 1000 }));
      heartbeats.push(await publishWorker(queue.client, { agents: [codeNext, content] }, { intervalMs: 1000 }));

      const res = await request(app(metricsStore)).get('/v1/agents').expect(200);
      expect(res.body).toEqual({
        data: [
          { ...codeNext, workers: 1 },
          { ...code, workers: 2 },
          { ...content, workers: 3 },
        ],
        api_version: 'v1',
      });
    });

    it('is empty once the workers are gone', async () => {
      const h = await publishWorker(queue.client, { agents: [{ name: 'A', version: '1', agent_type: 'a', description: 'd' }] }, { intervalMs: 1000 });
      expect((await request(app(metricsStore)).get('/v1/agents').expect(200)).body.data).toHaveLength(1);
      await h.stop();
      expect((await request(app(metricsStore)).get('/v1/agents').expect(200)).body).toEqual({ data: [], api_version: 'v1' });
    });

    it('answers 503 when Redis is down', async () => {
      const res = await request(app(metricsStore, deadQueue)).get('/v1/agents').expect(503);
      expect(res.body.error.type).toBe('SERVICE_UNAVAILABLE');
    });
  });
});
