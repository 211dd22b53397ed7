// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup
// (tools/jest/services-setup.mjs). Idempotent submission and the retry of failed tasks, through the
// whole app (supertest) on a real store (a database of its own) and a real Bull queue (its own prefix).
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { type Task } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { bullApiMessaging, createTaskQueue, pingQueue, type TaskJob, type TaskQueue } from '@agent-orchestrator/messaging';
import { createLogger } from '@agent-orchestrator/observability';
import { loadApiConfig } from '@agent-orchestrator/config';
import { createApp } from './app';
import { requireRedisUrl, uniquePrefix, waitUntil } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, requireMongoUri, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const EXECUTE = '/v1/agent/execute';

describe('reliability (integration)', () => {
  const mongoUri = requireMongoUri();
  const redisUrl = requireRedisUrl();
  const dbName = testDatabaseName('api_rel');
  const logger = createLogger({ service: 'api', level: 'error', silent: true });
  let store: MongoStore;
  let queue: TaskQueue;
  let clock = Date.now();
  const now = () => new Date(clock);

  const app = (env: Record<string, string> = {}) =>
    createApp({
      config: loadApiConfig({
        MONGO_URI: mongoUri,
        MONGO_DB_NAME: dbName,
        REDIS_URL: redisUrl,
        API_RATE_LIMIT_PER_MINUTE: '0',
        ENQUEUE_TIMEOUT_MS: '2000',
        ...env,
      }),
      logger,
      store,
      ...bullApiMessaging(queue, { enqueueTimeoutMs: 2000 }),
      now,
      environment: 'int-test',
    });

  const countTasks = (filter: Record<string, unknown>) => store.repositories.tasks.list({ tenant_id: 'default', limit: 100, ...filter }).then((p) => p.items.length);

  beforeAll(async () => {
    store = await connectMongo({ uri: mongoUri, dbName, serverSelectionTimeoutMS: 5000, appName: 'api-rel-tests' });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl, { failFast: true, prefix: uniquePrefix('rel') });
    if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) throw new Error(`Redis at ${redisUrl} is not reachable`);
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await store?.close();
    await dropTestDatabase(dbName);
  });

  describe('Idempotency-Key on POST /v1/agent/execute', () => {
    it('returns the same task for the same key and body, storing one task', async () => {
      const session_id = `idem-${randomUUID()}`;
      const body = { task: 'Write a haiku about retries', session_id };
      const first = await request(app()).post(EXECUTE).set('Idempotency-Key', 'order-1').send(body).expect(202);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      // Same body, keys in another order: still the same request.
      const second = await request(app()).post(EXECUTE).set('Idempotency-Key', 'order-1').send({ session_id, task: body.task }).expect(202);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.body).toMatchObject({ task_id: first.body.task_id, session_id, status: 'queued', queued_at: first.body.queued_at });
      expect(second.headers['location']).toBe(`/v1/tasks/${first.body.task_id}`);
      expect(await countTasks({ session_id })).toBe(1);
      expect(await store.repositories.messages.listByTask(first.body.task_id)).toHaveLength(1);
    });

    it("replays with the task's current status", async () => {
      const first = await request(app()).post(EXECUTE).set('Idempotency-Key', 'status-1').send({ task: 'x' }).expect(202);
      await store.repositories.tasks.markProcessing(first.body.task_id, now());
      const replay = await request(app()).post(EXECUTE).set('Idempotency-Key', 'status-1').send({ task: 'x' }).expect(202);
      expect(replay.body).toMatchObject({ task_id: first.body.task_id, status: 'processing' });
    });

    it('answers 409 CONFLICT for the same key with a different body, creating nothing', async () => {
      const session_id = `idem-${randomUUID()}`;
      await request(app()).post(EXECUTE).set('Idempotency-Key', 'conflict-1').send({ task: 'one', session_id }).expect(202);
      const res = await request(app()).post(EXECUTE).set('Idempotency-Key', 'conflict-1').send({ task: 'two', session_id }).expect(409);
      expect(res.body.error).toMatchObject({ type: 'CONFLICT', message: expect.stringContaining('different request body') });
      expect(await countTasks({ session_id })).toBe(1);
    });

    it('creates exactly one task for 10 concurrent requests with one key, and answers all of them with it', async () => {
      const session_id = `idem-${randomUUID()}`;
      const server = app();
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => request(server).post(EXECUTE).set('Idempotency-Key', 'burst-1').send({ task: 'only once', session_id })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(202));
      expect(new Set(responses.map((r) => r.body.task_id)).size).toBe(1);
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
      expect(await countTasks({ session_id })).toBe(1);
      expect(await queue.getJob(responses[0]!.body.task_id)).not.toBeNull();
    });

    it('scopes keys to the tenant: two tenants with the same Idempotency-Key get two tasks', async () => {
      const session_id = `idem-${randomUUID()}`;
      const keys = [
        { id: 'alice', secret: 'alice-secret-0123456789abcdef', tenant: 'alice-co', scopes: ['admin'] },
        { id: 'bob', secret: 'bob-secret-0123456789abcdefgh', tenant: 'bob-co', scopes: ['admin'] },
        { id: 'bob-2', secret: 'bob-second-0123456789abcdefg', tenant: 'bob-co', scopes: ['tasks:submit'] },
      ];
      const keyed = app({ API_KEYS: JSON.stringify(keys) });
      const a = await request(keyed)
        .post(EXECUTE)
        .set('X-API-Key', 'alice-secret-0123456789abcdef')
        .set('Idempotency-Key', 'shared')
        .send({ task: 'x', session_id })
        .expect(202);
      const b = await request(keyed)
        .post(EXECUTE)
        .set('X-API-Key', 'bob-secret-0123456789abcdefgh')
        .set('Idempotency-Key', 'shared')
        .send({ task: 'x', session_id })
        .expect(202);
      expect(a.body.task_id).not.toBe(b.body.task_id);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      // Another key of bob's tenant shares bob's keys.
      const b2 = await request(keyed).post(EXECUTE).set('X-API-Key', 'bob-second-0123456789abcdefg').set('Idempotency-Key', 'shared').send({ task: 'x', session_id }).expect(202);
      expect(b2.body.task_id).toBe(b.body.task_id);
      expect(b2.headers['idempotent-replayed']).toBe('true');
      // Same session_id, two tenants: two sessions, each its own; tasks are counted in the store directly.
      expect(await store.repositories.tasks.list({ tenant_id: 'alice-co', limit: 100, session_id }).then((p) => p.items.length)).toBe(1);
      expect(await store.repositories.tasks.list({ tenant_id: 'bob-co', limit: 100, session_id }).then((p) => p.items.length)).toBe(1);
    });

    it('creates a new task once the key has expired (expired keys are ignored even where the server keeps them)', async () => {
      const session_id = `idem-${randomUUID()}`;
      const first = await request(app({ IDEMPOTENCY_TTL_HOURS: '1' }))
        .post(EXECUTE)
        .set('Idempotency-Key', 'ttl-1')
        .send({ task: 'x', session_id })
        .expect(202);
      clock += 2 * 3_600_000;
      const later = await request(app({ IDEMPOTENCY_TTL_HOURS: '1' }))
        .post(EXECUTE)
        .set('Idempotency-Key', 'ttl-1')
        .send({ task: 'x', session_id })
        .expect(202);
      expect(later.body.task_id).not.toBe(first.body.task_id);
      expect(later.headers['idempotent-replayed']).toBeUndefined();
      expect(await countTasks({ session_id })).toBe(2);
    });

    it('frees the key when the task could not be created, so the retry succeeds', async () => {
      const create = jest.spyOn(store.repositories.tasks, 'create').mockRejectedValueOnce(new Error('insert failed'));
      await request(app()).post(EXECUTE).set('Idempotency-Key', 'free-1').send({ task: 'x' }).expect(500);
      create.mockRestore();
      const retry = await request(app()).post(EXECUTE).set('Idempotency-Key', 'free-1').send({ task: 'x' }).expect(202);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(await store.repositories.tasks.findById(retry.body.task_id)).toMatchObject({ status: 'queued' });
    });

    it.each([
      ['empty', ''],
      ['too long', 'k'.repeat(256)],
      ['non-ASCII', 'clé'],
      ['a control character', 'a\tb'],
    ])('answers 400 naming Idempotency-Key when it is %s', async (_name, key) => {
      const res = await request(app()).post(EXECUTE).set('Idempotency-Key', key).send({ task: 'x' }).expect(400);
      expect(res.body.error.details).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    });
  });

  describe('POST /v1/tasks/{task_id}/retry', () => {
    async function failed(type: string): Promise<Task> {
      await queue.empty();
      const res = await request(app())
        .post(EXECUTE)
        .send({ task: `fails with ${type}` })
        .expect(202);
      const taskId = res.body.task_id as string;
      // What a worker does: it takes the job (which then ends completed in Bull) and fails the task.
      const job = (await (queue as unknown as { moveToActive(): Promise<TaskJob> }).moveToActive())!;
      expect(String(job.id)).toBe(taskId);
      await job.moveToCompleted('failed', false, true);
      await store.repositories.tasks.markProcessing(taskId, now());
      return (await store.repositories.tasks.fail(taskId, { error: { type, message: `${type} happened` } }, now()))!;
    }

    it('queues a transiently failed task again, keeping its history, and enqueues a fresh job under its id', async () => {
      const task = await failed('LLM_ERROR');
      expect(await (await queue.getJob(task.task_id))!.getState()).toBe('completed');
      clock += 1000;
      const res = await request(app()).post(`/v1/tasks/${task.task_id.toUpperCase()}/retry`).expect(202);
      expect(res.headers['location']).toBe(`/v1/tasks/${task.task_id}`);
      expect(res.body).toEqual({
        task_id: task.task_id,
        session_id: task.session_id,
        status: 'queued',
        queued_at: now().toISOString(),
        attempts: 1,
        retries: [
          {
            error: { type: 'LLM_ERROR', message: 'LLM_ERROR happened' },
            failed_at: task.completed_at!.toISOString(),
            retried_at: now().toISOString(),
            attempts: 1,
          },
        ],
        message: 'Task queued again.',
        api_version: 'v1',
      });
      expect(await store.repositories.tasks.findById(task.task_id)).toMatchObject({
        status: 'queued',
        error: null,
        completed_at: null,
        started_at: null,
        attempts: 1,
      });
      const job = await queue.getJob(task.task_id);
      expect(await job!.getState()).toBe('waiting');
      const full = await request(app()).get(`/v1/tasks/${task.task_id}`).expect(200);
      expect(full.body.retries).toEqual(res.body.retries);
    });

    it.each(['TIMEOUT', 'SEARCH_ERROR', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR'])('retries %s', async (type) => {
      const task = await failed(type);
      await request(app()).post(`/v1/tasks/${task.task_id}/retry`).expect(202);
    });

    it.each(['UNKNOWN_TASK_TYPE', 'LLM_NOT_CONFIGURED', 'BUDGET_EXCEEDED', 'CANCELLED'])(
      'answers 409 for a task that failed with %s (permanent)',
      async (type) => {
        const task = await failed(type);
        const res = await request(app()).post(`/v1/tasks/${task.task_id}/retry`).expect(409);
        expect(res.body.error).toMatchObject({ type: 'CONFLICT', message: expect.stringContaining(type) });
        expect((await store.repositories.tasks.findById(task.task_id))!.status).toBe('failed');
      },
    );

    it('answers 409 for a task that is not failed, and for the second of two retries', async () => {
      const queued = await request(app()).post(EXECUTE).send({ task: 'still queued' }).expect(202);
      const res = await request(app()).post(`/v1/tasks/${queued.body.task_id}/retry`).expect(409);
      expect(res.body.error.message).toContain('queued');
      const task = await failed('TIMEOUT');
      const [a, b] = await Promise.all([request(app()).post(`/v1/tasks/${task.task_id}/retry`), request(app()).post(`/v1/tasks/${task.task_id}/retry`)]);
      expect([a.status, b.status].sort()).toEqual([202, 409]);
      expect((await store.repositories.tasks.findById(task.task_id))!.retries).toHaveLength(1);
    });

    it('answers 404 for an unknown task and 400 for a malformed id', async () => {
      await request(app()).post(`/v1/tasks/${randomUUID()}/retry`).expect(404);
      const bad = await request(app()).post('/v1/tasks/not-a-uuid/retry').expect(400);
      expect(bad.body.error.details).toEqual([{ field: 'task_id', message: expect.any(String) }]);
    });

    it('still answers 202 when Redis is down: the task is queued for the reconciler', async () => {
      const task = await failed('TIMEOUT');
      const deadQueue = createTaskQueue('redis://127.0.0.1:1', { failFast: true });
      try {
        const dead = createApp({
          config: loadApiConfig({
            MONGO_URI: mongoUri,
            MONGO_DB_NAME: dbName,
            REDIS_URL: 'redis://127.0.0.1:1',
            API_RATE_LIMIT_PER_MINUTE: '0',
            ENQUEUE_TIMEOUT_MS: '500',
          }),
          logger,
          store,
          ...bullApiMessaging(deadQueue, { enqueueTimeoutMs: 500 }),
          now,
          environment: 'int-test',
        });
        await request(dead).post(`/v1/tasks/${task.task_id}/retry`).expect(202);
        expect((await store.repositories.tasks.findById(task.task_id))!.status).toBe('queued');
      } finally {
        let bound: NodeJS.Timeout | undefined;
        await Promise.race([deadQueue.close().catch(() => undefined), new Promise((r) => (bound = setTimeout(r, 1000)))]);
        clearTimeout(bound);
        for (const client of deadQueue.clients) client.disconnect();
      }
    });
  });
});
