// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup
// (tools/jest/services-setup.mjs). The real app composition (createApp) through supertest, against a
// real connectMongo store (a database of its own) and a real Bull queue; the contract check holds
// every response against the served document.
//
// Isolation between tenants: two tenants, acme (A, with a full key and a read-only key) and globex
// (B), over every /v1 endpoint and parameter: B never sees, changes or learns the existence of A's
// tasks. Then scopes (403 per route), and the per-tenant limits (in-flight cap, daily token and cost
// quotas).
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Express } from 'express';
import { type Task } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { bullApiMessaging, createTaskQueue, pingQueue, type TaskQueue } from '@agent-orchestrator/messaging';
import { createLogger } from '@agent-orchestrator/observability';
import { loadApiConfig } from '@agent-orchestrator/config';
import { TaskCounting, buildTaskContext } from '@agent-orchestrator/tasks';
import { createApp } from './app';
import { closeTestQueue, testRedisUrl, waitUntil } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, requireMongoUri, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const EXECUTE = '/v1/agent/execute';
const SECRETS = {
  aFull: 'acme-full-secret-0123456789abcdef',
  aRead: 'acme-read-secret-0123456789abcdef',
  bFull: 'globex-full-secret-0123456789abcd',
  sys: 'ops-system-secret-0123456789abcde',
  aSubmit: 'acme-submit-secret-0123456789abcd',
  aManage: 'acme-manage-secret-0123456789abcd',
} as const;
const KEYS = [
  { id: 'acme-full', secret: SECRETS.aFull, tenant: 'acme', scopes: ['tasks:submit', 'tasks:read', 'tasks:manage'] },
  { id: 'acme-read', secret: SECRETS.aRead, tenant: 'acme', scopes: ['tasks:read'] },
  { id: 'acme-submit', secret: SECRETS.aSubmit, tenant: 'acme', scopes: ['tasks:submit'] },
  { id: 'acme-manage', secret: SECRETS.aManage, tenant: 'acme', scopes: ['tasks:manage'] },
  { id: 'globex-admin', secret: SECRETS.bFull, tenant: 'globex', scopes: ['admin'] },
  { id: 'ops', secret: SECRETS.sys, tenant: 'ops', scopes: ['system:read'] },
];

describe('tenants (integration: MongoDB + Redis, real HTTP)', () => {
  const mongoUri = requireMongoUri();
  const redisUrl = testRedisUrl();
  const dbName = testDatabaseName('api_tenants');
  const logger = createLogger({ service: 'api', level: 'error', silent: true });
  let store: MongoStore;
  let queue: TaskQueue;

  const makeApp = (env: Record<string, string> = {}): Express => {
    const config = loadApiConfig({
      MONGO_URI: mongoUri,
      MONGO_DB_NAME: dbName,
      REDIS_URL: redisUrl,
      APP_ENV: 'int-test',
      API_RATE_LIMIT_PER_MINUTE: '0',
      LOG_TO_MONGO: 'true',
      API_KEYS: JSON.stringify(KEYS),
      ...env,
    });
    return createApp({
      config,
      logger,
      store,
      ...bullApiMessaging(queue, { enqueueTimeoutMs: 1000, registryTimeoutMs: 1000 }),
      environment: 'int-test',
      readinessTimeoutMs: 1000,
      metricsTimeoutMs: 2000,
    });
  };

  beforeAll(async () => {
    store = await connectMongo({ uri: mongoUri, dbName, serverSelectionTimeoutMS: 5000, appName: 'api-tenants-int' });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl, { failFast: true });
    if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) throw new Error(`Redis at ${redisUrl} is not reachable`);
  });

  afterAll(async () => {
    await queue?.empty().catch(() => undefined);
    if (queue) await closeTestQueue(queue);
    await store?.close();
    await dropTestDatabase(dbName);
  });

  const as = (secret: string) => ({ Authorization: `Bearer ${secret}` });

  describe('isolation between two tenants', () => {
    let app: Express;
    const SESSION = `shared-${randomUUID().slice(0, 8)}`;
    const IDEM = `idem-${randomUUID()}`;
    const TEXT_A = 'acme secret plan: write a Python function that checks primes';
    /** A's tasks: queued (with Idempotency-Key and session), failed (retryable), completed (stream + events). */
    let queuedA: string;
    let failedA: string;
    let completedA: string;
    let ownB: string;
    const snapshots = new Map<string, unknown>();

    const getAsA = async (id: string) => (await request(app).get(`/v1/tasks/${id}`).set(as(SECRETS.aRead)).expect(200)).body;

    /** A 404 exactly like an unknown id's: same status, type and message (but for the id), no other field. */
    const expectLikeUnknown = async (send: (id: string) => request.Test, foreignId: string) => {
      // Same case as the foreign id: ids are accepted in any case and echoed as sent.
      const unknownId = foreignId === foreignId.toUpperCase() ? randomUUID().toUpperCase() : randomUUID();
      const [foreign, unknown] = [await send(foreignId), await send(unknownId)];
      expect(foreign.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(foreign.headers['content-type']).toBe(unknown.headers['content-type']);
      expect({ ...foreign.body, error: { ...foreign.body.error, request_id: 'x', message: foreign.body.error.message.replace(foreignId, 'ID') } }).toEqual({
        ...unknown.body,
        error: { ...unknown.body.error, request_id: 'x', message: unknown.body.error.message.replace(unknownId, 'ID') },
      });
      expect(foreign.body.error).toEqual({ type: 'NOT_FOUND', message: `No task with id ${foreignId}.`, request_id: expect.any(String) });
    };

    beforeAll(async () => {
      app = makeApp();
      const submitA = async (body: object, headers: Record<string, string> = {}) =>
        (await request(app).post(EXECUTE).set(as(SECRETS.aFull)).set(headers).send(body).expect(202)).body.task_id as string;
      queuedA = await submitA({ task: TEXT_A, session_id: SESSION }, { 'Idempotency-Key': IDEM });
      failedA = await submitA({ task: 'acme task that times out' });
      completedA = await submitA({ task: 'acme code task' });
      const { tasks, taskStream, taskEvents } = store.repositories;
      const now = () => new Date();
      await tasks.markProcessing(failedA, now());
      await tasks.fail(failedA, { error: { type: 'TIMEOUT', message: 'took too long' } }, now());
      await tasks.markProcessing(completedA, now());
      await tasks.recordRouting(completedA, { selected_agent: 'CodeAgent', agent_type: 'code', agent_version: '1.0.0', peer_routing_reason: 'code', confidence: 0.9 }, now());
      const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, cost_usd: 0, by_model: [] };
      await tasks.complete(completedA, { result: { summary: 's', raw_output: 'def is_prime(n): ...', code_language: 'python', citations: [] }, usage }, now());
      for (const event of ['task.accepted', 'task.completed'] as const) {
        await taskStream.append({ task_id: completedA, event, timestamp: now(), agent_name: null, data: {} });
      }
      await taskEvents.appendMany([
        { event: 'task.accepted', level: 'info', message: 'accepted', task_id: completedA, session_id: 's', request_id: null, agent_name: null, service: 'api', data: {}, timestamp: now() },
      ]);
      // A's completed task announced to A's receiver: the delivery (URL, attempts, response prefix) is A's data too.
      await store.repositories.webhookDeliveries.create({
        webhook_id: `msg_${completedA.replace(/-/g, '')}_0`,
        task_id: completedA,
        event: 'task.completed',
        url: 'https://hooks.acme.example/ao',
        api_key_id: 'acme-full',
        body: '{}',
        state: 'delivered',
        created_at: now(),
        updated_at: now(),
        next_attempt_at: null,
        attempts: [{ at: now(), status_code: 204, duration_ms: 12, error: null, response_prefix: '' }],
      });
      ownB = (await request(app).post(EXECUTE).set(as(SECRETS.bFull)).send({ task: 'globex own task' }).expect(202)).body.task_id;
      for (const id of [queuedA, failedA, completedA]) snapshots.set(id, await getAsA(id));
    });

    afterAll(async () => {
      // Whatever B did, A's tasks are exactly as they were.
      for (const id of [queuedA, failedA, completedA]) expect(await getAsA(id)).toEqual(snapshots.get(id));
    });

    it('GET /v1/tasks/{task_id}: 404 like an unknown id; A reads it with either of its keys', async () => {
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}`).set(as(SECRETS.bFull)), queuedA);
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}`).set(as(SECRETS.bFull)), completedA.toUpperCase());
      expect((await request(app).get(`/v1/tasks/${queuedA}`).set(as(SECRETS.aFull)).expect(200)).body.task).toBe(TEXT_A);
      expect((await request(app).get(`/v1/tasks/${ownB}`).set(as(SECRETS.bFull)).expect(200)).body.task_id).toBe(ownB);
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}`).set(as(SECRETS.aRead)), ownB);
    });

    it('GET /v1/tasks/{task_id}/events: 404 like an unknown id', async () => {
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}/events`).set(as(SECRETS.bFull)), completedA);
      const own = await request(app).get(`/v1/tasks/${completedA}/events`).set(as(SECRETS.aRead)).expect(200);
      expect(own.body.events.map((e: { event: string }) => e.event)).toEqual(['task.accepted']);
    });

    it('GET /v1/tasks/{task_id}/webhooks: 404 like an unknown id; A reads its deliveries', async () => {
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}/webhooks`).set(as(SECRETS.bFull)), completedA);
      const own = await request(app).get(`/v1/tasks/${completedA}/webhooks`).set(as(SECRETS.aRead)).expect(200);
      expect(own.body.deliveries.map((d: { url: string; state: string }) => [d.url, d.state])).toEqual([['https://hooks.acme.example/ao', 'delivered']]);
    });

    it('GET /v1/tasks/{task_id}/stream, with and without Last-Event-ID / last_event_id: 404 like an unknown id', async () => {
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}/stream`).set(as(SECRETS.bFull)), completedA);
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}/stream`).set(as(SECRETS.bFull)).set('Last-Event-ID', '1'), completedA);
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}/stream?last_event_id=1`).set(as(SECRETS.bFull)), completedA);
      await expectLikeUnknown((id) => request(app).get(`/v1/tasks/${id}/stream?last_event_id=`).set(as(SECRETS.bFull)).set('Last-Event-ID', '0'), completedA);
      // A's own stream: the stored events, to the terminal one.
      const own = await request(app).get(`/v1/tasks/${completedA}/stream`).set(as(SECRETS.aRead)).set('Last-Event-ID', '1').expect(200);
      expect(own.text).toContain('event: task.completed');
      expect(own.text).not.toContain('event: task.accepted');
    });

    it('POST /v1/tasks/{task_id}/cancel: 404 like an unknown id, and the task stays queued', async () => {
      await expectLikeUnknown((id) => request(app).post(`/v1/tasks/${id}/cancel`).set(as(SECRETS.bFull)), queuedA);
      await expectLikeUnknown((id) => request(app).post(`/v1/tasks/${id}/cancel`).set(as(SECRETS.bFull)), completedA);
      expect((await getAsA(queuedA)).status).toBe('queued');
      expect((await store.repositories.tasks.findById(queuedA))?.cancel_requested_at).toBeNull();
    });

    it('POST /v1/tasks/{task_id}/retry: 404 like an unknown id, and the failed task stays failed', async () => {
      await expectLikeUnknown((id) => request(app).post(`/v1/tasks/${id}/retry`).set(as(SECRETS.bFull)), failedA);
      const after = (await store.repositories.tasks.findById(failedA)) as Task;
      expect(after).toMatchObject({ status: 'failed', retries: [], error: { type: 'TIMEOUT' } });
    });

    describe('GET /v1/tasks', () => {
      const idsOf = (body: { data: { task_id: string }[] }) => body.data.map((t) => t.task_id);
      const aIds = () => [queuedA, failedA, completedA];
      const listAs = async (secret: string, query: string) => (await request(app).get(`/v1/tasks${query}`).set(as(secret)).expect(200)).body;

      it.each([
        ['no filter', ''],
        ['status=queued', '?status=queued'],
        ['status=failed', '?status=failed'],
        ['status=completed', '?status=completed'],
        ['agent_type=code', '?agent_type=code'],
        ['session_id (A’s session)', () => `?session_id=${SESSION}`],
        ['created_from / created_to', () => `?created_from=${new Date(Date.now() - 3_600_000).toISOString()}&created_to=${new Date(Date.now() + 3_600_000).toISOString()}`],
        ['limit=1', '?limit=1'],
        ['limit=100', '?limit=100'],
      ])('with %s: only the caller’s tasks', async (_name, q) => {
        const query = typeof q === 'function' ? q() : q;
        const b = await listAs(SECRETS.bFull, query);
        expect(idsOf(b).filter((id: string) => aIds().includes(id))).toEqual([]);
        const a = await listAs(SECRETS.aRead, query);
        expect(idsOf(a)).not.toContain(ownB);
      });

      it('A sees its own tasks under each filter (the filters work)', async () => {
        expect(idsOf(await listAs(SECRETS.aRead, '?status=failed'))).toEqual([failedA]);
        expect(idsOf(await listAs(SECRETS.aRead, '?agent_type=code'))).toEqual([completedA]);
        expect(idsOf(await listAs(SECRETS.aRead, `?session_id=${SESSION}`))).toEqual([queuedA]);
        expect(idsOf(await listAs(SECRETS.bFull, ''))).toEqual([ownB]);
      });

      it("A's cursor replayed by B yields only B's tasks (or none), never A's", async () => {
        const first = await listAs(SECRETS.aRead, '?limit=1');
        expect(first.has_more).toBe(true);
        const cursor = first.next_cursor as string;
        const replay = await listAs(SECRETS.bFull, `?limit=100&cursor=${cursor}`);
        expect(idsOf(replay).filter((id: string) => aIds().includes(id))).toEqual([]);
        for (const q of ['?status=queued', '?status=failed', `?session_id=${SESSION}`, '?agent_type=code']) {
          expect(idsOf(await listAs(SECRETS.bFull, `${q}&cursor=${cursor}`)).filter((id: string) => aIds().includes(id))).toEqual([]);
        }
        // A's own next page goes on with A's tasks.
        const second = await listAs(SECRETS.aRead, `?limit=100&cursor=${cursor}`);
        expect(idsOf(second).length).toBe(2);
        expect(idsOf(second).every((id: string) => aIds().includes(id))).toBe(true);
      });
    });

    it("POST /v1/agent/execute with A's Idempotency-Key: a new task of B's, never A's (same body or another; no 409)", async () => {
      const same = await request(app).post(EXECUTE).set(as(SECRETS.bFull)).set('Idempotency-Key', IDEM).send({ task: TEXT_A, session_id: SESSION }).expect(202);
      expect(same.body.task_id).not.toBe(queuedA);
      expect(same.headers['idempotent-replayed']).toBeUndefined();
      const other = await request(app).post(EXECUTE).set(as(SECRETS.bFull)).set('Idempotency-Key', `${IDEM}-2`).send({ task: 'other' }).expect(202);
      expect(other.body.task_id).not.toBe(queuedA);
      // A's key still replays A's task, for every key of A's tenant.
      const replay = await request(app).post(EXECUTE).set(as(SECRETS.aSubmit)).set('Idempotency-Key', IDEM).send({ task: TEXT_A, session_id: SESSION }).expect(202);
      expect(replay.body.task_id).toBe(queuedA);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      // B's replay of its own key gives B's task.
      const again = await request(app).post(EXECUTE).set(as(SECRETS.bFull)).set('Idempotency-Key', IDEM).send({ task: TEXT_A, session_id: SESSION }).expect(202);
      expect(again.body.task_id).toBe(same.body.task_id);
    });

    it("POST /v1/agent/execute with A's session_id: B's own session; B's context never holds A's history", async () => {
      // A fresh session, so that only A has used it before B (the idempotency test has B send A's very text).
      const SESSION2 = `ctx-${randomUUID().slice(0, 8)}`;
      const first = await request(app).post(EXECUTE).set(as(SECRETS.aFull)).send({ task: TEXT_A, session_id: SESSION2 }).expect(202);
      const b = await request(app).post(EXECUTE).set(as(SECRETS.bFull)).send({ task: 'globex follow-up', session_id: SESSION2 }).expect(202);
      expect(b.body.session_id).toBe(SESSION2);
      const a2 = await request(app).post(EXECUTE).set(as(SECRETS.aFull)).send({ task: 'acme follow-up', session_id: SESSION2 }).expect(202);
      const deps = { tasks: store.repositories.tasks, messages: store.repositories.messages, historyLimit: 10 };
      // What the router and the agent are given for B's task (ProcessTask's "build context" step).
      const bTask = (await store.repositories.tasks.findById(b.body.task_id)) as Task;
      const bContext = await buildTaskContext(bTask, deps);
      expect(bContext).toEqual({ history: [], previousTasks: [] });
      // A's next task in the session sees A's history (the control: context building works).
      const aTask = (await store.repositories.tasks.findById(a2.body.task_id)) as Task;
      const aContext = await buildTaskContext(aTask, deps);
      expect(aContext.history.map((m) => m.content)).toEqual([TEXT_A]);
      expect(aContext.previousTasks.map((t) => t.task)).toEqual([TEXT_A]);
      expect(JSON.stringify(aContext)).not.toContain('globex');
      // And without the session slices (the indexed fallback query), the same answer.
      const fallback = { tasks: { recentBySession: store.repositories.tasks.recentBySession.bind(store.repositories.tasks) }, messages: store.repositories.messages, historyLimit: 10 };
      expect(await buildTaskContext(bTask, fallback)).toEqual({ history: [], previousTasks: [] });
      expect((await buildTaskContext(aTask, fallback)).previousTasks.map((t) => t.task)).toEqual([TEXT_A]);
      // Cancel them, so that the tasks in flight of later tests are not disturbed.
      for (const id of [first.body.task_id, a2.body.task_id]) await request(app).post(`/v1/tasks/${id}/cancel`).set(as(SECRETS.aManage)).expect(200);
      await request(app).post(`/v1/tasks/${b.body.task_id}/cancel`).set(as(SECRETS.bFull)).expect(200);
    });

    it("GET /v1/usage: each tenant's own figures only", async () => {
      const a = (await request(app).get('/v1/usage').set(as(SECRETS.aRead)).expect(200)).body;
      const b = (await request(app).get('/v1/usage').set(as(SECRETS.bFull)).expect(200)).body;
      expect(a.tenant_id).toBe('acme');
      expect(b.tenant_id).toBe('globex');
      // Each tenant's tasks of today, by status, add up to exactly the tasks it can list: none of the other's.
      const total = (u: { tasks_by_status: Record<string, number> }) => Object.values(u.tasks_by_status).reduce((x, y) => x + y, 0);
      const listed = async (secret: string) => (await request(app).get('/v1/tasks?limit=100').set(as(secret)).expect(200)).body.data.length as number;
      const [aListed, bListed] = [await listed(SECRETS.aRead), await listed(SECRETS.bFull)];
      expect(await waitUntil(async () => total((await request(app).get('/v1/usage').set(as(SECRETS.aRead))).body) === aListed, { timeoutMs: 5000 })).toBe(true);
      expect(await waitUntil(async () => total((await request(app).get('/v1/usage').set(as(SECRETS.bFull))).body) === bListed, { timeoutMs: 5000 })).toBe(true);
      expect(aListed).toBeGreaterThan(3);
      expect(bListed).toBeGreaterThan(1);
      expect(b.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 });
    });
  });

  describe('scopes', () => {
    let app: Express;
    beforeAll(() => {
      app = makeApp();
    });
    const id = randomUUID();
    const ROUTES: [method: 'get' | 'post', path: string, scope: string][] = [
      ['post', EXECUTE, 'tasks:submit'],
      ['get', '/v1/tasks', 'tasks:read'],
      ['get', `/v1/tasks/${id}`, 'tasks:read'],
      ['get', `/v1/tasks/${id}/events`, 'tasks:read'],
      ['get', `/v1/tasks/${id}/stream`, 'tasks:read'],
      ['get', `/v1/tasks/${id}/webhooks`, 'tasks:read'],
      ['post', `/v1/tasks/${id}/cancel`, 'tasks:manage'],
      ['post', `/v1/tasks/${id}/retry`, 'tasks:manage'],
      ['get', '/v1/usage', 'tasks:read'],
      ['get', '/v1/agents', 'system:read'],
      ['get', '/v1/system/metrics', 'system:read'],
      ['get', '/v1/system/metrics/history', 'system:read'],
    ];
    const keyWith: Record<string, string> = { 'tasks:submit': SECRETS.aSubmit, 'tasks:read': SECRETS.aRead, 'tasks:manage': SECRETS.aManage, 'system:read': SECRETS.sys };

    it.each(ROUTES)('%s %s: 403 FORBIDDEN naming %s for a key without it, accepted with it', async (method, path, scope) => {
      for (const [has, secret] of Object.entries(keyWith)) {
        const req = request(app)[method](path).set(as(secret));
        const res = await (method === 'post' && path === EXECUTE ? req.send({ task: 'scope check' }) : req);
        if (has === scope) {
          expect(res.status).not.toBe(403);
          expect(res.status).toBeLessThan(500);
          if (res.status === 202 && res.body.task_id) await request(app).post(`/v1/tasks/${res.body.task_id}/cancel`).set(as(SECRETS.aManage)).expect(200);
        } else {
          expect(res.status).toBe(403);
          expect(res.body.error).toEqual({ type: 'FORBIDDEN', message: `This API key lacks the "${scope}" scope this route needs.`, request_id: expect.any(String) });
        }
      }
      // admin implies every scope; a missing or wrong key is still 401.
      expect((await request(app)[method](path).set(as(SECRETS.bFull)).send(method === 'post' && path === EXECUTE ? { task: 'admin' } : undefined)).status).not.toBe(403);
      expect((await request(app)[method](path)).status).toBe(401);
      expect((await request(app)[method](path).set(as('not-a-key-0123456789abcdef'))).status).toBe(401);
    });

    it('a wrong method on a path the key may not use is a 403 too (no hint the path exists)', async () => {
      expect((await request(app).delete('/v1/tasks').set(as(SECRETS.sys))).status).toBe(403);
      expect((await request(app).delete('/v1/tasks').set(as(SECRETS.aRead))).status).toBe(405);
    });
  });

  describe('per-tenant limits', () => {
    const limitedKeys = [
      { id: 'cap', secret: 'capped-secret-0123456789abcdef', tenant: `cap-${randomUUID().slice(0, 6)}`, scopes: ['admin'] },
      { id: 'tok', secret: 'tokens-secret-0123456789abcdef', tenant: `tok-${randomUUID().slice(0, 6)}`, scopes: ['admin'] },
      { id: 'usd', secret: 'dollars-secret-0123456789abcde', tenant: `usd-${randomUUID().slice(0, 6)}`, scopes: ['admin'] },
    ];
    const [cap, tok, usd] = limitedKeys as [(typeof limitedKeys)[0], (typeof limitedKeys)[0], (typeof limitedKeys)[0]];
    let app: Express;
    beforeAll(() => {
      app = makeApp({
        API_KEYS: JSON.stringify(limitedKeys),
        TENANT_LIMITS: JSON.stringify({ '*': { max_tasks_in_flight: 0 }, [cap.tenant]: { max_tasks_in_flight: 2 }, [tok.tenant]: { daily_tokens: 100 }, [usd.tenant]: { daily_cost_usd: 1 } }),
      });
    });

    /** A run of `tenant`'s recorded the way the worker records it (TaskCounting.runRecorded). */
    async function spend(tenant: string, totals: { tokens: number; cost: number }): Promise<void> {
      const counting = new TaskCounting({ counters: store.repositories.taskCounters, logger });
      await counting.runRecorded(
        {
          run_id: randomUUID(),
          task_id: randomUUID(),
          session_id: 's',
          kind: 'agent',
          agent_name: 'CodeAgent',
          agent_version: '1.0.0',
          model: 'gpt-4o-mini',
          attempt: 1,
          input: 'x',
          output: 'y',
          outcome: 'success',
          error: null,
          usage: [{ model: 'gpt-4o-mini', prompt_tokens: totals.tokens, completion_tokens: 0, total_tokens: totals.tokens, cost_usd: totals.cost }],
          prompt_tokens: totals.tokens,
          completion_tokens: 0,
          total_tokens: totals.tokens,
          cost_usd: totals.cost,
          started_at: new Date(),
          finished_at: new Date(),
          duration_ms: 1,
        },
        tenant,
      );
      // Counting hands the increments over and returns at once: wait until they are stored.
      await counting.settled();
    }

    it('max_tasks_in_flight: the next submission is a 429 TENANT_TASK_LIMIT with Retry-After, accepted again once a task ended', async () => {
      const submit = () => request(app).post(EXECUTE).set(as(cap.secret)).send({ task: 'capped' });
      const first = (await submit().expect(202)).body.task_id;
      await submit().expect(202);
      const refused = await submit().expect(429);
      expect(refused.body.error).toEqual({ type: 'TENANT_TASK_LIMIT', message: expect.stringContaining('2 tasks queued or processing'), request_id: expect.any(String) });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Refused means nothing stored: still two tasks.
      expect((await request(app).get('/v1/tasks').set(as(cap.secret)).expect(200)).body.data).toHaveLength(2);
      expect((await request(app).get('/v1/usage').set(as(cap.secret)).expect(200)).body).toMatchObject({ tasks_in_flight: 2, limits: { max_tasks_in_flight: 2 } });
      await request(app).post(`/v1/tasks/${first}/cancel`).set(as(cap.secret)).expect(200);
      await submit().expect(202);
      // Other tenants are not held by this tenant's cap ("*" sets none).
      await request(app).post(EXECUTE).set(as(tok.secret)).send({ task: 'not capped' }).expect(202);
    });

    it('daily_tokens: once spent, a 429 QUOTA_EXCEEDED until midnight UTC', async () => {
      await request(app).post(EXECUTE).set(as(tok.secret)).send({ task: 'under quota' }).expect(202);
      await spend(tok.tenant, { tokens: 120, cost: 0 });
      const refused = await request(app).post(EXECUTE).set(as(tok.secret)).send({ task: 'over quota' }).expect(429);
      expect(refused.body.error.type).toBe('QUOTA_EXCEEDED');
      expect(refused.body.error.message).toContain('100 tokens');
      const now = new Date();
      const untilMidnight = (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(Math.abs(retryAfter - untilMidnight)).toBeLessThan(120);
      expect((await request(app).get('/v1/usage').set(as(tok.secret)).expect(200)).body.usage.total_tokens).toBe(120);
      // Another tenant's spending never counts against it, nor its quota against others.
      await request(app).post(EXECUTE).set(as(usd.secret)).send({ task: 'fine' }).expect(202);
    });

    it('daily_cost_usd: once spent, a 429 QUOTA_EXCEEDED', async () => {
      await spend(usd.tenant, { tokens: 10, cost: 0.6 });
      await request(app).post(EXECUTE).set(as(usd.secret)).send({ task: 'still under' }).expect(202);
      await spend(usd.tenant, { tokens: 10, cost: 0.5 });
      const refused = await request(app).post(EXECUTE).set(as(usd.secret)).send({ task: 'over' }).expect(429);
      expect(refused.body.error).toMatchObject({ type: 'QUOTA_EXCEEDED', message: expect.stringContaining('$1') });
      // Reads are not limited by the quota.
      await request(app).get('/v1/tasks').set(as(usd.secret)).expect(200);
    });
  });
});
