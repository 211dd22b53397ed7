// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup.
// Request log lines, task budgets, the task timeline (LOG_TO_MONGO), the metrics history and today's
// usage, through the real HTTP app on a real store and a real Bull queue.
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { bullApiMessaging, createTaskQueue, type TaskQueue } from '@agent-orchestrator/messaging';
import { BufferedEventSink, TaskEventLog } from '@agent-orchestrator/observability';
import { loadApiConfig } from '@agent-orchestrator/config';
import { recordingLogger } from '../testing/fakes';
import { createApp } from './app';
import { testRedisUrl, uniquePrefix } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const mongoUri = process.env['MONGO_URI']!;
const redisUrl = testRedisUrl();
const SECRET = `obs-${randomBytes(16).toString('hex')}`;
const NOW = new Date('2036-06-15T12:00:00.000Z');

describe('observability through the HTTP app (integration)', () => {
  const dbName = testDatabaseName('ao_api_obs');
  let store: MongoStore;
  let queue: TaskQueue;
  let sink: BufferedEventSink;
  // Every record with its bound fields (request_id...), as the JSON logger would write it.
  const { logger, records: lines } = recordingLogger();

  const app = (env: Record<string, string> = {}, events?: TaskEventLog) =>
    createApp({
      config: loadApiConfig({ MONGO_URI: mongoUri, REDIS_URL: redisUrl, API_RATE_LIMIT_PER_MINUTE: '0', ...env }),
      logger,
      store,
      ...bullApiMessaging(queue, { enqueueTimeoutMs: 5000 }),
      now: () => NOW,
      environment: 'int-test',
      events,
    });

  beforeAll(async () => {
    store = await connectMongo({ uri: mongoUri, dbName });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl, { prefix: uniquePrefix('obs') });
    await queue.isReady();
    sink = new BufferedEventSink({ writer: store.repositories.taskEvents, logger, bufferSize: 100, flushIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await sink.close();
    await queue.close();
    await store.close();
    await dropTestDatabase(dbName);
  });

  describe('request log', () => {
    it('logs one line per request with method, route, status, duration, request id, IP and key id, never the key', async () => {
      lines.length = 0;
      const keyed = app({ API_KEYS: `dashboard:${SECRET}` });
      const created = await request(keyed)
        .post('/v1/agent/execute')
        .set('X-API-Key', SECRET)
        .set('X-Request-Id', 'req-keyed')
        .send({ task: 'Explain closures' })
        .expect(202);
      await request(keyed).get(`/v1/tasks/${created.body.task_id}`).set('Authorization', `Bearer ${SECRET}`).set('X-Request-Id', 'req-bearer').expect(200);
      await request(keyed).get('/v1/system/metrics').set('X-Request-Id', 'req-nokey').expect(401);
      await request(app()).get('/v1/system/metrics').set('X-Request-Id', 'req-open').expect(200);

      const requestLines = lines.filter((l) => l['status_code'] !== undefined);
      expect(requestLines).toEqual([
        expect.objectContaining({
          level: 'info',
          method: 'POST',
          route: '/v1/agent/execute',
          status_code: 202,
          request_id: 'req-keyed',
          api_key_id: 'dashboard',
        }),
        expect.objectContaining({ method: 'GET', route: '/v1/tasks/:task_id', status_code: 200, request_id: 'req-bearer', api_key_id: 'dashboard' }),
        // Refused before routing (the key check guards all of /v1), so no route template: never the raw path.
        expect.objectContaining({ method: 'GET', route: '(unmatched)', status_code: 401, request_id: 'req-nokey', api_key_id: null }),
        expect.objectContaining({ method: 'GET', route: '/v1/system/metrics', status_code: 200, request_id: 'req-open', api_key_id: null }),
      ]);
      for (const line of requestLines) {
        expect(line).toEqual(expect.objectContaining({ level: 'info', duration_ms: expect.any(Number), ip: expect.any(String) }));
        expect(line['duration_ms'] as number).toBeGreaterThanOrEqual(0);
      }
      expect(JSON.stringify(lines)).not.toContain(SECRET);
    });
  });

  describe('budgets', () => {
    it('stores max_tokens and max_cost_usd on the task and returns them; tasks without one read null', async () => {
      const a = app();
      const withBudget = await request(a).post('/v1/agent/execute').send({ task: 'Write a limerick', max_tokens: 2000, max_cost_usd: 0.05 }).expect(202);
      expect((await request(a).get(`/v1/tasks/${withBudget.body.task_id}`).expect(200)).body.budget).toEqual({ max_tokens: 2000, max_cost_usd: 0.05 });
      const onlyTokens = await request(a).post('/v1/agent/execute').send({ task: 'Write a limerick', max_tokens: 10 }).expect(202);
      expect((await request(a).get(`/v1/tasks/${onlyTokens.body.task_id}`).expect(200)).body.budget).toEqual({ max_tokens: 10, max_cost_usd: null });
      const none = await request(a).post('/v1/agent/execute').send({ task: 'Write a limerick' }).expect(202);
      expect((await request(a).get(`/v1/tasks/${none.body.task_id}`).expect(200)).body.budget).toBeNull();
    });

    it('refuses a max_cost_usd budget with a 400 naming the configured model that has no price; a token budget still goes', async () => {
      const a = app({ LLM_CODE_MODEL: 'llama3.1:8b', LLM_CONTENT_MODEL: 'anthropic:claude-haiku-4-5-20251001' });
      const res = await request(a).post('/v1/agent/execute').send({ task: 'Write a limerick', max_cost_usd: 0.05 }).expect(400);
      expect(res.body.error).toMatchObject({ type: 'VALIDATION_ERROR', message: expect.stringContaining('llama3.1:8b'), details: [{ field: 'max_cost_usd', message: 'no price for llama3.1:8b' }] });
      await request(a).post('/v1/agent/execute').send({ task: 'Write a limerick', max_tokens: 100 }).expect(202);
      const priced = app({ LLM_CODE_MODEL: 'llama3.1:8b', LLM_PRICES: '{"llama3.1:8b":{"input_per_million":0,"output_per_million":0}}' });
      await request(priced).post('/v1/agent/execute').send({ task: 'Write a limerick', max_cost_usd: 0.05 }).expect(202);
    });

    it.each([
      [{ max_tokens: 0 }, 'max_tokens', 'positive integer'],
      [{ max_tokens: 1.5 }, 'max_tokens', 'positive integer'],
      [{ max_tokens: '100' }, 'max_tokens', 'positive integer'],
      [{ max_tokens: 10_000_001 }, 'max_tokens', 'at most 10000000'],
      [{ max_cost_usd: 0 }, 'max_cost_usd', 'positive number'],
      [{ max_cost_usd: -1 }, 'max_cost_usd', 'positive number'],
      [{ max_cost_usd: null }, 'max_cost_usd', 'positive number'],
      [{ max_cost_usd: 1001 }, 'max_cost_usd', 'at most 1000'],
    ])('refuses %j with a 400 naming the field', async (budget, field, words) => {
      const res = await request(app())
        .post('/v1/agent/execute')
        .send({ task: 'x', ...budget })
        .expect(400);
      expect(res.body.error.type).toBe('VALIDATION_ERROR');
      expect(res.body.error.details).toEqual([{ field, message: expect.stringContaining(words) }]);
    });
  });

  describe('GET /v1/tasks/{task_id}/events', () => {
    it("returns the task's events in order, with logging_enabled, when LOG_TO_MONGO is on", async () => {
      const events = new TaskEventLog(logger, 'api').addSink(sink.sink);
      const a = app({ LOG_TO_MONGO: 'true' }, events);
      const created = await request(a).post('/v1/agent/execute').set('X-Request-Id', 'req-timeline').send({ task: 'Summarise the news' }).expect(202);
      const taskId = created.body.task_id as string;
      // What the worker would add, through its own event log and the same kind of sink.
      const worker = new TaskEventLog(logger, 'worker').addSink(sink.sink);
      const subject = { task_id: taskId, session_id: created.body.session_id as string, request_id: 'req-timeline' };
      worker.emit(subject, 'task.picked_up', { attempt: 1, queue_wait_ms: 12 });
      worker.emit(subject, 'task.routed', { confidence: 0.92, routed: true, tokens: 80 }, { agent_name: 'ContentAgent' });
      await sink.flush();

      const res = await request(a).get(`/v1/tasks/${taskId.toUpperCase()}/events`).expect(200);
      expect(res.body.task_id).toBe(taskId);
      expect(res.body.logging_enabled).toBe(true);
      expect(res.body.events.map((e: { event: string }) => e.event)).toEqual(['task.accepted', 'task.picked_up', 'task.routed']);
      expect(res.body.events[0]).toEqual({
        event: 'task.accepted',
        level: 'info',
        message: 'task accepted',
        timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        agent_name: null,
        service: 'api',
        request_id: 'req-timeline',
        data: { api_key_id: null, task_length: 'Summarise the news'.length, enqueued: true },
      });
      expect(res.body.events[2]).toMatchObject({ service: 'worker', agent_name: 'ContentAgent', data: { confidence: 0.92, routed: true, tokens: 80 } });
    });

    it('says logging is off and returns no events for a task of an API without LOG_TO_MONGO', async () => {
      const a = app();
      const created = await request(a).post('/v1/agent/execute').send({ task: 'Hello' }).expect(202);
      expect((await request(a).get(`/v1/tasks/${created.body.task_id}/events`).expect(200)).body).toMatchObject({ events: [], logging_enabled: false });
    });

    it('answers 400 for an id that is not a UUID v4, 404 for an unknown task, 400 for query parameters', async () => {
      const a = app();
      expect((await request(a).get('/v1/tasks/not-a-uuid/events').expect(400)).body.error.details).toEqual([
        { field: 'task_id', message: 'task_id must be a UUID v4' },
      ]);
      expect((await request(a).get(`/v1/tasks/${randomUUID()}/events`).expect(404)).body.error.type).toBe('NOT_FOUND');
      await request(a).get(`/v1/tasks/${randomUUID()}/events?limit=5`).expect(400);
    });
  });

  describe('GET /v1/system/metrics/history', () => {
    const minute = 60_000;
    const queue = { waiting: 1, active: 0, delayed: 0, failed: 0, completed: 5, paused: 0 };
    /** One task created and completed in that minute (950 ms), with one CodeAgent run; and a queue sample. */
    const activity = async (at: Date) => {
      const day = at.toISOString().slice(0, 10);
      const totals = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.00001 };
      await store.repositories.taskCounters.increment([
        { day, at, status: { completed: 1 }, agents: [{ agent_name: 'CodeAgent', agent_type: 'code', count: 1 }], latency: { ms: 950, count: 1 } },
        { day, at, usage: { agent_name: 'CodeAgent', totals, by_model: [{ model: 'gpt-4o-mini', ...totals }] } },
      ]);
      await store.repositories.taskCounters.recordQueue(at, queue);
    };

    beforeAll(async () => {
      for (const ago of [25 * 60, 23 * 60, 60, 2]) await activity(new Date(NOW.getTime() - ago * minute));
      // A minute with a queue sample only: the day's running figures, unchanged.
      await store.repositories.taskCounters.recordQueue(new Date(NOW.getTime() - 30 * minute), { ...queue, waiting: 4 });
    });

    it('returns the last 24 hours by default, oldest first', async () => {
      const res = await request(app()).get('/v1/system/metrics/history').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.from).toBe(new Date(NOW.getTime() - 24 * 60 * minute).toISOString());
      expect(res.body.to).toBe(NOW.toISOString());
      expect(res.body.snapshots.map((s: { interval_start: string }) => s.interval_start)).toEqual(
        [23 * 60, 60, 30, 2].map((ago) => new Date(NOW.getTime() - ago * minute).toISOString()),
      );
      // Each point: the running figures of its own UTC day at the end of the minute (the day before NOW holds two minutes).
      expect(res.body.snapshots[0]).toMatchObject({
        queue,
        latency_ms: { count: 2, avg: 950 },
        usage: { total_tokens: 30, by_model: [{ model: 'gpt-4o-mini', total_tokens: 30 }] },
        tasks_by_status: { completed: 2, queued: 0 },
        tasks_by_agent: [{ agent_name: 'CodeAgent', agent_type: 'code', count: 2 }],
      });
      expect(res.body.snapshots[1]).toMatchObject({ tasks_by_status: { completed: 1 }, usage: { total_tokens: 15 } });
      expect(res.body.snapshots[2]).toMatchObject({ queue: { waiting: 4 }, tasks_by_status: { completed: 1 }, latency_ms: { count: 1 } });
      expect(res.body.snapshots[3]).toMatchObject({ tasks_by_status: { completed: 2 }, latency_ms: { count: 2 } });
    });

    it('takes an explicit range', async () => {
      const from = new Date(NOW.getTime() - 26 * 60 * minute).toISOString();
      const to = new Date(NOW.getTime() - 22 * 60 * minute).toISOString();
      const res = await request(app()).get('/v1/system/metrics/history').query({ from, to }).expect(200);
      expect(res.body.snapshots).toHaveLength(2);
    });

    it.each([
      [{ from: '2036-06-15T12:00:00Z', to: '2036-06-14T12:00:00Z' }, 'from', 'after'],
      [{ from: '2036-06-01T00:00:00Z', to: '2036-06-15T00:00:00Z' }, 'to', 'at most 7 days'],
      [{ from: 'yesterday' }, 'from', 'ISO 8601'],
      [{ since: '2036-06-01' }, 'since', 'unknown query parameter'],
    ])('answers 400 for %j', async (query, field, words) => {
      const res = await request(app()).get('/v1/system/metrics/history').query(query).expect(400);
      expect(res.body.error.details).toEqual([{ field, message: expect.stringContaining(words) }]);
    });
  });

  describe('GET /v1/system/metrics usage_today', () => {
    it("reports today's tokens and cost by agent and by model from the agent runs", async () => {
      const finished = new Date(NOW.getTime() - 60_000);
      const run = (agent_name: string, model: string, p: number, c: number, cost: number) => ({
        run_id: randomUUID(),
        task_id: randomUUID(),
        session_id: 's',
        kind: agent_name === 'PeerAgent' ? ('router' as const) : ('agent' as const),
        agent_name,
        agent_version: '1.0.0',
        model,
        attempt: 1,
        input: 'x',
        output: 'y',
        outcome: 'success' as const,
        error: null,
        usage: [{ model, prompt_tokens: p, completion_tokens: c, total_tokens: p + c, cost_usd: cost }],
        prompt_tokens: p,
        completion_tokens: c,
        total_tokens: p + c,
        cost_usd: cost,
        started_at: new Date(finished.getTime() - 1000),
        finished_at: finished,
        duration_ms: 1000,
      });
      await store.repositories.agentRuns.record(run('PeerAgent', 'gpt-4o-mini', 100, 20, 0.000027));
      await store.repositories.agentRuns.record(run('CodeAgent', 'gpt-4o', 400, 200, 0.003));
      // Stored straight into agent_runs, past the counting: the repair path rebuilds the day from them.
      await store.repositories.taskCounters.rebuildDay(NOW);
      const res = await request(app()).get('/v1/system/metrics').expect(200);
      expect(res.body.usage_today).toEqual({
        prompt_tokens: 500,
        completion_tokens: 220,
        total_tokens: 720,
        cost_usd: 0.003027,
        by_agent: [
          { agent_name: 'CodeAgent', prompt_tokens: 400, completion_tokens: 200, total_tokens: 600, cost_usd: 0.003 },
          { agent_name: 'PeerAgent', prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost_usd: 0.000027 },
        ],
        by_model: [
          { model: 'gpt-4o', prompt_tokens: 400, completion_tokens: 200, total_tokens: 600, cost_usd: 0.003 },
          { model: 'gpt-4o-mini', prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost_usd: 0.000027 },
        ],
      });
    });
  });
});
