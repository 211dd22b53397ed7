// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup
// (tools/jest/services-setup.mjs). The HTTP app runs in-process through supertest against a real
// connectMongo store (a database of its own) and a real Bull queue (a Redis DB index of its own).
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { isUuidV4 } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { bullApiMessaging, createTaskQueue, enqueueTask, pingQueue, type TaskQueue } from '@agent-orchestrator/messaging';
import { createLogger } from '@agent-orchestrator/observability';
import { loadApiConfig, type ApiConfig } from '@agent-orchestrator/config';
import { createApp } from './app';
import { closeTestQueue, closedPort, testRedisUrl, waitUntil } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, requireMongoUri, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const EXECUTE = '/v1/agent/execute';

describe('api (integration)', () => {
  const mongoUri = requireMongoUri();
  const redisUrl = testRedisUrl();
  const dbName = testDatabaseName('api_int');
  const logger = createLogger({ service: 'api', level: 'error', silent: true });

  let store: MongoStore;
  let queue: TaskQueue;
  /** A fail-fast queue pointed at a port nothing listens on: Redis is down. */
  let deadQueue: TaskQueue;
  /** A store whose connection is closed: MongoDB is gone. */
  let deadStore: MongoStore;

  const config = (env: Record<string, string> = {}): ApiConfig =>
    loadApiConfig({
      MONGO_URI: mongoUri,
      MONGO_DB_NAME: dbName,
      REDIS_URL: redisUrl,
      APP_ENV: 'int-test',
      API_RATE_LIMIT_PER_MINUTE: '0',
      ENQUEUE_TIMEOUT_MS: '1000',
      ...env,
    });

  const app = (env: Record<string, string> = {}, deps: { store?: MongoStore; queue?: TaskQueue } = {}) =>
    createApp({
      config: config(env),
      logger,
      store: deps.store ?? store,
      ...bullApiMessaging(deps.queue ?? queue, { enqueueTimeoutMs: config(env).enqueueTimeoutMs, registryTimeoutMs: 1000 }),
      environment: 'int-test',
      readinessTimeoutMs: 1000,
    });

  /** Write calls the API could make; a rejected request must make none. */
  const writes = () => {
    const { tasks, sessions, messages } = store.repositories;
    return [jest.spyOn(tasks, 'create'), jest.spyOn(tasks, 'fail'), jest.spyOn(sessions, 'touch'), jest.spyOn(messages, 'append')];
  };
  const writeCalls = (spies: jest.SpyInstance[]) => spies.reduce((n, s) => n + s.mock.calls.length, 0);
  const jobCount = async () => {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    store = await connectMongo({ uri: mongoUri, dbName, serverSelectionTimeoutMS: 5000, appName: 'api-int-tests' });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl, { failFast: true });
    // A fail-fast queue refuses commands until its connection is up.
    if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) throw new Error(`Redis at ${redisUrl} is not reachable`);
    deadQueue = createTaskQueue(`redis://127.0.0.1:${await closedPort()}`, { failFast: true });
    deadStore = await connectMongo({ uri: mongoUri, dbName, serverSelectionTimeoutMS: 1000 });
    await deadStore.close();
  });

  beforeEach(async () => {
    await queue.empty();
  });

  afterAll(async () => {
    await queue?.empty().catch(() => undefined);
    await Promise.all([queue, deadQueue].filter(Boolean).map(closeTestQueue));
    await store?.close();
    await dropTestDatabase(dbName);
  });

  describe('POST /v1/agent/execute', () => {
    it('stores the task and the user message, enqueues process_task, and answers 202', async () => {
      const before = Date.now();
      const res = await request(app())
        .post(EXECUTE)
        .set('User-Agent', 'int-spec/1.0')
        .set('X-Request-Id', 'int-req-1')
        .send({ task: '  Write a haiku about queues  ' })
        .expect(202);

      expect(Object.keys(res.body).sort()).toEqual(['api_version', 'message', 'queued_at', 'session_id', 'status', 'task_id']);
      expect(res.body).toMatchObject({ status: 'queued', message: 'Task accepted and queued.', api_version: 'v1' });
      const { task_id, session_id, queued_at } = res.body as { task_id: string; session_id: string; queued_at: string };
      expect(isUuidV4(task_id)).toBe(true);
      expect(isUuidV4(session_id)).toBe(true);
      expect(res.headers['location']).toBe(`/v1/tasks/${task_id}`);
      expect(res.headers['x-request-id']).toBe('int-req-1');
      expect(Date.parse(queued_at)).toBeGreaterThanOrEqual(before - 1);

      const stored = await store.repositories.tasks.findById(task_id);
      expect(stored).toMatchObject({
        task_id,
        session_id,
        task: 'Write a haiku about queues',
        status: 'queued',
        started_at: null,
        completed_at: null,
        result: null,
        error: null,
        attempts: 0,
        cancel_requested_at: null,
        budget: null,
        metadata: { ip: expect.any(String), user_agent: 'int-spec/1.0', request_id: 'int-req-1', environment: 'int-test' },
      });
      expect(stored!.queued_at.toISOString()).toBe(queued_at);
      expect(stored!.created_at.toISOString()).toBe(queued_at);

      const messages = await store.repositories.messages.listByTask(task_id);
      expect(messages).toEqual([expect.objectContaining({ task_id, session_id, role: 'user', content: 'Write a haiku about queues', agent_name: null })]);

      const job = await queue.getJob(task_id);
      expect(job).not.toBeNull();
      expect(job!.name).toBe('process_task');
      // The request's tenant ('default' until API keys carry one), which fair queuing orders by.
      expect(job!.data).toEqual({ task_id, tenant: 'default' });
      expect(job!.opts.priority).toBeGreaterThanOrEqual(1);
      expect(String(job!.id)).toBe(task_id);
    });

    it('keeps a given session_id across tasks', async () => {
      const session_id = `int-session-${randomBytes(4).toString('hex')}`;
      const first = await request(app()).post(EXECUTE).send({ task: 'one', session_id }).expect(202);
      const second = await request(app()).post(EXECUTE).send({ task: 'two', session_id }).expect(202);
      expect(first.body.session_id).toBe(session_id);
      expect(second.body.session_id).toBe(session_id);
      const tasks = await store.repositories.tasks.recentBySession(session_id, { limit: 10 });
      expect(tasks.map((t) => t.task).sort()).toEqual(['one', 'two']);
      const messages = await store.repositories.messages.recentBySession(session_id, { limit: 10 });
      expect(messages.map((m) => m.content)).toEqual(['one', 'two']);
    });

    it('generates a different session_id for each task without one', async () => {
      const a = await request(app()).post(EXECUTE).send({ task: 'a' }).expect(202);
      const b = await request(app()).post(EXECUTE).send({ task: 'b' }).expect(202);
      expect(a.body.session_id).not.toBe(b.body.session_id);
    });

    describe('rejects, writing nothing and enqueuing nothing', () => {
      const session_id = 'int-rejected-session';
      const cases: [string, (r: request.Test) => request.Test, number, string, string | null][] = [
        ['task as an operator object', (r) => r.send({ task: { $gt: '' }, session_id }), 400, 'VALIDATION_ERROR', 'task'],
        ['task as a number', (r) => r.send({ task: 42, session_id }), 400, 'VALIDATION_ERROR', 'task'],
        ['task as an array', (r) => r.send({ task: ['x'], session_id }), 400, 'VALIDATION_ERROR', 'task'],
        ['a whitespace-only task', (r) => r.send({ task: '   ', session_id }), 400, 'VALIDATION_ERROR', 'task'],
        ['a task one character too long', (r) => r.send({ task: 'a'.repeat(101), session_id }), 400, 'VALIDATION_ERROR', 'task'],
        ['a missing task', (r) => r.send({ session_id }), 400, 'VALIDATION_ERROR', 'task'],
        ['a malformed session_id', (r) => r.send({ task: 'x', session_id: 'a b' }), 400, 'VALIDATION_ERROR', 'session_id'],
        ['session_id as an operator object', (r) => r.send({ task: 'x', session_id: { $ne: null } }), 400, 'VALIDATION_ERROR', 'session_id'],
        ['an unknown property', (r) => r.send({ task: 'x', session_id, status: 'completed' }), 400, 'VALIDATION_ERROR', 'status'],
        ['malformed JSON', (r) => r.set('Content-Type', 'application/json').send('{"task":'), 400, 'VALIDATION_ERROR', null],
        ['text/plain', (r) => r.set('Content-Type', 'text/plain').send('Write a haiku'), 415, 'UNSUPPORTED_MEDIA_TYPE', null],
        ['a 2 MB body', (r) => r.send({ task: 'a'.repeat(2 * 1024 * 1024), session_id }), 413, 'PAYLOAD_TOO_LARGE', null],
      ];

      it.each(cases)('%s', async (_name, send, status, type, field) => {
        const spies = writes();
        const jobsBefore = await jobCount();
        const res = await send(
          request(app({ TASK_MAX_LENGTH: '100' }))
            .post(EXECUTE)
            .set('X-Request-Id', 'int-bad'),
        ).expect(status);

        expect(res.body).toEqual({
          error: { type, message: expect.any(String), request_id: 'int-bad', ...(field ? { details: expect.any(Array) } : {}) },
          api_version: 'v1',
        });
        if (field) expect(res.body.error.details).toContainEqual({ field, message: expect.any(String) });
        expect(writeCalls(spies)).toBe(0);
        expect(await jobCount()).toBe(jobsBefore);
        expect(await store.repositories.tasks.recentBySession(session_id, { limit: 1 })).toEqual([]);
        expect(await store.repositories.messages.recentBySession(session_id, { limit: 1 })).toEqual([]);
      });
    });

    it('answers 202 when Redis is down: the task is stored queued with its message, and a job can be added later under its id', async () => {
      const res = await request(app({}, { queue: deadQueue }))
        .post(EXECUTE)
        .send({ task: 'run me once Redis is back', session_id: 'int-redis-down' })
        .expect(202);
      const taskId = res.body.task_id as string;
      expect(res.body).toMatchObject({ status: 'queued', session_id: 'int-redis-down' });
      expect(res.headers['location']).toBe(`/v1/tasks/${taskId}`);

      expect(await store.repositories.tasks.findById(taskId)).toMatchObject({ status: 'queued', error: null, completed_at: null, attempts: 0 });
      expect(await store.repositories.messages.listByTask(taskId)).toEqual([expect.objectContaining({ role: 'user', content: 'run me once Redis is back' })]);
      expect(await queue.getJob(taskId)).toBeNull();

      // What the worker's reconciler does once Redis answers: enqueue it under the task id, idempotently.
      await enqueueTask(queue, taskId);
      await enqueueTask(queue, taskId);
      const job = await queue.getJob(taskId);
      expect(job).toMatchObject({ name: 'process_task', data: { task_id: taskId } });
      expect(await queue.getJobCounts()).toMatchObject({ waiting: 1 });
    });

    it('answers 503 with Retry-After and enqueues nothing when MongoDB is down', async () => {
      const res = await request(app({}, { store: deadStore }))
        .post(EXECUTE)
        .send({ task: 'x' })
        .expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body.error.type).toBe('SERVICE_UNAVAILABLE');
      expect(await jobCount()).toBe(0);
    });
  });

  describe('GET /v1/tasks/:task_id', () => {
    it('round-trips a created task', async () => {
      const created = await request(app()).post(EXECUTE).set('X-Request-Id', 'int-rt').send({ task: 'Explain closures', session_id: 'int-rt' }).expect(202);
      const res = await request(app()).get(`/v1/tasks/${created.body.task_id}`).expect(200);
      expect(res.body).toEqual({
        task_id: created.body.task_id,
        session_id: 'int-rt',
        task: 'Explain closures',
        status: 'queued',
        created_at: created.body.queued_at,
        queued_at: created.body.queued_at,
        started_at: null,
        completed_at: null,
        updated_at: created.body.queued_at,
        metadata: { ip: expect.any(String), user_agent: null, request_id: 'int-rt', environment: 'int-test', api_key_id: null },
        selected_agent: null,
        agent_type: null,
        agent_version: null,
        peer_routing_reason: null,
        confidence: null,
        result: null,
        error: null,
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] },
        attempts: 0,
        cancel_requested_at: null,
        budget: null,
        retries: [],
        reused_steps: [],
        callback_url: null,
        api_version: 'v1',
      });
      expect(res.body).not.toHaveProperty('_id');
    });

    it('stores and returns the id of the API key that submitted the task, never the key', async () => {
      const secret = 'int-test-secret-0123456789';
      const keyed = app({ API_KEYS: `dashboard:${secret}` });
      const created = await request(keyed).post(EXECUTE).set('Authorization', `Bearer ${secret}`).send({ task: 'Explain generators' }).expect(202);
      const res = await request(keyed).get(`/v1/tasks/${created.body.task_id}`).set('X-API-Key', secret).expect(200);
      expect(res.body.metadata.api_key_id).toBe('dashboard');
      expect((await store.repositories.tasks.findById(created.body.task_id))!.metadata.api_key_id).toBe('dashboard');
      expect(JSON.stringify(res.body)).not.toContain(secret);
    });

    it('answers 404 for an unknown id', async () => {
      const res = await request(app()).get(`/v1/tasks/${randomUUID()}`).expect(404);
      expect(res.body.error).toMatchObject({ type: 'NOT_FOUND', request_id: expect.any(String) });
    });

    it('answers 400 for a malformed id', async () => {
      const res = await request(app()).get('/v1/tasks/12345').expect(400);
      expect(res.body.error).toMatchObject({ type: 'VALIDATION_ERROR', details: [{ field: 'task_id', message: expect.any(String) }] });
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await request(app()).get('/v1/unknown').expect(404);
    expect(res.body).toEqual({ error: { type: 'NOT_FOUND', message: expect.any(String), request_id: expect.any(String) }, api_version: 'v1' });
  });

  describe('readiness', () => {
    it('GET /readyz is 200 when MongoDB and Redis answer', async () => {
      const res = await request(app()).get('/readyz').expect(200);
      expect(res.body).toEqual({ status: 'ok', checks: { mongodb: 'ok', redis: 'ok' }, api_version: 'v1' });
    });

    it('GET /readyz is 503 naming what is down', async () => {
      const redisDown = await request(app({}, { queue: deadQueue }))
        .get('/readyz')
        .expect(503);
      expect(redisDown.body.checks).toEqual({ mongodb: 'ok', redis: 'down' });
      const mongoDown = await request(app({}, { store: deadStore }))
        .get('/readyz')
        .expect(503);
      expect(mongoDown.body.checks).toEqual({ mongodb: 'down', redis: 'ok' });
      const bothDown = await request(app({}, { store: deadStore, queue: deadQueue }))
        .get('/readyz')
        .expect(503);
      expect(bothDown.body).toEqual({ status: 'unavailable', checks: { mongodb: 'down', redis: 'down' }, api_version: 'v1' });
    });
  });

  it('rate-limits per IP with RateLimit headers and a JSON 429', async () => {
    const limited = app({ API_RATE_LIMIT_PER_MINUTE: '3' });
    for (let i = 0; i < 3; i++)
      await request(limited)
        .post(EXECUTE)
        .send({ task: `t${i}` })
        .expect(202);
    const res = await request(limited).post(EXECUTE).send({ task: 'one too many' }).expect(429);
    expect(res.body.error.type).toBe('RATE_LIMITED');
    expect(res.headers['ratelimit-limit']).toBe('3');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await jobCount()).toBe(3);
  });
});
