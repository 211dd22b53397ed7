// Unit spec of the HTTP layer with in-memory fakes for MongoDB and Redis.
// app.int.spec.ts runs the main flows again against the real services.
import request from 'supertest';
import { isUuidV4 } from '@agent-orchestrator/domain';
import { fakeMessaging, InMemoryStore, InMemoryTaskQueue, recordingLogger, testConfig } from '../testing/fakes';
import { createApp, type AppDeps } from './app';

const NOW = new Date('2030-01-02T03:04:05.678Z');
const EXECUTE = '/v1/agent/execute';

function setup(env: Record<string, string> = {}, overrides: Partial<AppDeps> = {}) {
  const store = new InMemoryStore();
  const queue = new InMemoryTaskQueue();
  const { logger, records } = recordingLogger();
  const config = testConfig({ API_RATE_LIMIT_PER_MINUTE: '0', TASK_MAX_LENGTH: '50', ...env });
  const app = createApp({ config, logger, store, ...fakeMessaging(queue), now: () => NOW, environment: 'unit', ...overrides });
  return { app, store, queue, records, config };
}

function expectErrorShape(body: unknown, type: string): void {
  expect(body).toEqual({
    error: expect.objectContaining({ type, message: expect.any(String), request_id: expect.any(String) }),
    api_version: 'v1',
  });
  const keys = Object.keys((body as { error: object }).error);
  expect(keys.every((k) => ['type', 'message', 'details', 'request_id'].includes(k))).toBe(true);
}

describe('createApp', () => {
  describe('POST /v1/agent/execute', () => {
    it('accepts a task with 202, the exact body and a Location header', async () => {
      const { app, store, queue } = setup();
      const res = await request(app).post(EXECUTE).send({ task: '  Write a haiku  ', session_id: 'sess_1' }).expect(202);

      expect(Object.keys(res.body).sort()).toEqual(['api_version', 'message', 'queued_at', 'session_id', 'status', 'task_id']);
      expect(res.body).toEqual({
        task_id: expect.any(String),
        session_id: 'sess_1',
        status: 'queued',
        queued_at: NOW.toISOString(),
        message: 'Task accepted and queued.',
        api_version: 'v1',
      });
      expect(isUuidV4(res.body.task_id)).toBe(true);
      expect(res.headers['location']).toBe(`/v1/tasks/${res.body.task_id}`);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(store.tasks.get(res.body.task_id)).toMatchObject({ task: 'Write a haiku', status: 'queued' });
      expect(queue.enqueued).toEqual([res.body.task_id]);
    });

    it('stores ip, user agent, request id and environment on the task', async () => {
      const { app, store } = setup();
      const res = await request(app).post(EXECUTE).set('User-Agent', 'spec-agent/1.0').set('X-Request-Id', 'req-abc').send({ task: 'x' }).expect(202);
      expect(store.tasks.get(res.body.task_id)?.metadata).toEqual({
        ip: expect.stringMatching(/127\.0\.0\.1|::1/),
        user_agent: 'spec-agent/1.0',
        request_id: 'req-abc',
        environment: 'unit',
      });
    });

    it('generates a UUID session id when none is given', async () => {
      const { app } = setup();
      const res = await request(app).post(EXECUTE).send({ task: 'x' }).expect(202);
      expect(isUuidV4(res.body.session_id)).toBe(true);
      expect(res.body.session_id).not.toBe(res.body.task_id);
    });

    it.each([
      ['a number', { task: 1 }, 'task'],
      ['an operator object', { task: { $gt: '' } }, 'task'],
      ['an array', { task: ['x'] }, 'task'],
      ['whitespace only', { task: ' \n ' }, 'task'],
      ['one character too long', { task: 'a'.repeat(51) }, 'task'],
      ['missing task', { session_id: 'abc' }, 'task'],
      ['a bad session id', { task: 'x', session_id: 'no spaces' }, 'session_id'],
      ['an unknown property', { task: 'x', admin: true }, 'admin'],
      ['a top-level array', [{ task: 'x' }], 'body'],
    ])('rejects %s with 400 naming the field, and writes nothing', async (_name, body, field) => {
      const { app, store, queue } = setup();
      const res = await request(app).post(EXECUTE).send(body as object).expect(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(res.body.error.details).toContainEqual({ field, message: expect.any(String) });
      expect(store.writes()).toBe(0);
      expect(queue.enqueued).toEqual([]);
    });

    it('accepts a task of exactly the maximum length', async () => {
      const { app } = setup();
      await request(app).post(EXECUTE).send({ task: 'a'.repeat(50) }).expect(202);
    });

    it('rejects malformed JSON with 400', async () => {
      const { app, store } = setup();
      const res = await request(app).post(EXECUTE).set('Content-Type', 'application/json').send('{"task": "x",').expect(400);
      expectErrorShape(res.body, 'VALIDATION_ERROR');
      expect(res.body.error.message).toBe('The request body is not valid JSON.');
      expect(store.writes()).toBe(0);
    });

    it('rejects a JSON string at the top level with 400 (strict JSON)', async () => {
      const { app } = setup();
      await request(app).post(EXECUTE).set('Content-Type', 'application/json').send('"task"').expect(400);
    });

    it.each([
      ['text/plain', 'task=x'],
      ['application/x-www-form-urlencoded', 'task=x'],
      ['multipart/form-data; boundary=x', '--x--'],
      ['application/vnd.api+json', '{"task":"x"}'],
    ])('rejects %s with 415', async (type, body) => {
      const { app, store } = setup();
      const res = await request(app).post(EXECUTE).set('Content-Type', type).send(body).expect(415);
      expectErrorShape(res.body, 'UNSUPPORTED_MEDIA_TYPE');
      expect(store.writes()).toBe(0);
    });

    it('rejects a body without Content-Type with 415', async () => {
      const { app } = setup();
      await request(app).post(EXECUTE).expect(415);
    });

    it('rejects a JSON body in another charset with 415', async () => {
      const { app } = setup();
      const res = await request(app).post(EXECUTE).set('Content-Type', 'application/json; charset=latin1').send('{"task":"x"}').expect(415);
      expectErrorShape(res.body, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('accepts application/json with an explicit utf-8 charset', async () => {
      const { app } = setup();
      await request(app).post(EXECUTE).set('Content-Type', 'application/json; charset=utf-8').send('{"task":"x"}').expect(202);
    });

    it('rejects a body over the limit with 413', async () => {
      const { app, config, store } = setup();
      const res = await request(app)
        .post(EXECUTE)
        .send({ task: 'a'.repeat(config.bodyLimitBytes) })
        .expect(413);
      expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
      expect(store.writes()).toBe(0);
    });

    it('answers 503 with Retry-After and enqueues nothing when MongoDB is down', async () => {
      const { app, store, queue } = setup();
      store.down = true;
      const res = await request(app).post(EXECUTE).send({ task: 'x' }).expect(503);
      expectErrorShape(res.body, 'SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body.error.message).not.toMatch(/127\.0\.0\.1/);
      expect(queue.enqueued).toEqual([]);
    });

    it('answers 202 when Redis is down: the stored task stays queued for the reconciler', async () => {
      const { app, store, queue } = setup();
      queue.unavailable = true;
      const res = await request(app).post(EXECUTE).send({ task: 'x' }).expect(202);
      expect(res.body).toMatchObject({ status: 'queued', task_id: expect.any(String) });
      expect(store.tasks.get(res.body.task_id)).toMatchObject({ status: 'queued', error: null });
    });
  });

  describe('GET /v1/tasks/:task_id', () => {
    it('round-trips a created task with every field and no _id', async () => {
      const { app } = setup();
      const created = await request(app).post(EXECUTE).set('X-Request-Id', 'rt-1').send({ task: 'Explain closures' }).expect(202);
      const res = await request(app).get(`/v1/tasks/${created.body.task_id}`).expect(200);
      expect(res.body).toEqual({
        task_id: created.body.task_id,
        session_id: created.body.session_id,
        task: 'Explain closures',
        status: 'queued',
        created_at: NOW.toISOString(),
        queued_at: NOW.toISOString(),
        started_at: null,
        completed_at: null,
        updated_at: NOW.toISOString(),
        metadata: { ip: expect.any(String), user_agent: null, request_id: 'rt-1', environment: 'unit', api_key_id: null },
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
    });

    it('finds a task by its id in upper case', async () => {
      const { app } = setup();
      const created = await request(app).post(EXECUTE).send({ task: 'x' }).expect(202);
      await request(app).get(`/v1/tasks/${String(created.body.task_id).toUpperCase()}`).expect(200);
    });

    it('answers 404 for an unknown id', async () => {
      const { app } = setup();
      const res = await request(app).get('/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f').expect(404);
      expectErrorShape(res.body, 'NOT_FOUND');
    });

    it.each(['not-a-uuid', '3f2c1d8e-4b5a-1c3d-9e8f-0a1b2c3d4e5f', '%7B%22%24gt%22%3A%22%22%7D', '%E0%A4%A'])(
      'answers 400 for the malformed id %s without querying',
      async (id) => {
        const { app, store } = setup();
        const res = await request(app).get(`/v1/tasks/${id}`).expect(400);
        expectErrorShape(res.body, 'VALIDATION_ERROR');
        expect(store.calls).toEqual([]);
      },
    );

    it('answers 503 when MongoDB is down', async () => {
      const { app, store } = setup();
      store.down = true;
      const res = await request(app).get('/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f').expect(503);
      expect(res.headers['retry-after']).toBe('5');
    });

    it('answers 500 INTERNAL_ERROR for a bug, without a stack trace or the error message', async () => {
      const { app, store, records } = setup();
      jest.spyOn(store.repositories.tasks, 'findById').mockImplementation(() => {
        throw new TypeError("Cannot read properties of undefined (reading 'secret')");
      });
      const res = await request(app).get('/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f').expect(500);
      expect(res.body).toEqual({
        error: { type: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', request_id: expect.any(String) },
        api_version: 'v1',
      });
      expect(res.text).not.toMatch(/secret|at .*\.ts/);
      expect(records).toContainEqual(expect.objectContaining({ level: 'error', message: 'request failed', error_type: 'INTERNAL_ERROR' }));
    });
  });

  describe('errors and headers', () => {
    it('answers unknown routes with a JSON 404', async () => {
      const { app } = setup();
      for (const [method, path] of [
        ['get', '/nope'],
        ['get', '/v1/nope'],
        ['post', '/v1/agent/execute/extra'],
        ['delete', '/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f/result'],
      ] as const) {
        const res = await request(app)[method](path).expect(404);
        expectErrorShape(res.body, 'NOT_FOUND');
      }
    });

    it('answers a known path with the wrong method with a JSON 405 and Allow', async () => {
      const { app } = setup();
      const get = await request(app).get(EXECUTE).expect(405);
      expectErrorShape(get.body, 'METHOD_NOT_ALLOWED');
      expect(get.headers['allow']).toBe('OPTIONS, POST');
      const del = await request(app).delete('/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f').expect(405);
      expectErrorShape(del.body, 'METHOD_NOT_ALLOWED');
      expect(del.headers['allow']).toBe('GET, HEAD, OPTIONS');
    });

    it('echoes a safe X-Request-Id and uses it in the error body', async () => {
      const { app } = setup();
      const res = await request(app).get('/nope').set('X-Request-Id', 'client-123').expect(404);
      expect(res.headers['x-request-id']).toBe('client-123');
      expect(res.body.error.request_id).toBe('client-123');
    });

    it('replaces an unsafe X-Request-Id with a UUID', async () => {
      const { app } = setup();
      const res = await request(app).get('/healthz').set('X-Request-Id', 'bad id with spaces').expect(200);
      expect(isUuidV4(res.headers['x-request-id'])).toBe(true);
    });

    it('answers a query parameter on the public endpoints with a 400 naming it, like every /v1 endpoint that takes none', async () => {
      const { app } = setup();
      for (const path of ['/healthz', '/readyz', '/v1/openapi.json', '/docs']) {
        const res = await request(app).get(`${path}?verbose=1`);
        expect([path, res.status, res.body.error?.details]).toEqual([path, 400, [{ field: 'verbose', message: 'unknown query parameter' }]]);
        expectErrorShape(res.body, 'VALIDATION_ERROR');
      }
    });

    it('sends security headers and no X-Powered-By', async () => {
      const { app } = setup();
      const res = await request(app).get('/healthz').expect(200);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toBeDefined();
    });

    it('logs one line per request with the route template, never the raw id or the body', async () => {
      const { app, records } = setup();
      const id = '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';
      await request(app).get(`/v1/tasks/${id}`).set('X-Request-Id', 'log-1').expect(404);
      await request(app).post(EXECUTE).set('X-Request-Id', 'log-2').send({ task: 'top secret plan' }).expect(202);
      await request(app).get('/does/not/exist').set('X-Request-Id', 'log-3').expect(404);

      const lines = records.filter((r) => r['status_code'] !== undefined);
      expect(lines).toEqual([
        expect.objectContaining({ level: 'info', method: 'GET', route: '/v1/tasks/:task_id', status_code: 404, request_id: 'log-1', duration_ms: expect.any(Number), ip: expect.any(String) }),
        expect.objectContaining({ method: 'POST', route: '/v1/agent/execute', status_code: 202, request_id: 'log-2' }),
        expect.objectContaining({ method: 'GET', route: '(unmatched)', status_code: 404, request_id: 'log-3' }),
      ]);
      const all = JSON.stringify(records);
      expect(all).not.toContain(id);
      expect(all).not.toContain('top secret plan');
      expect(all).not.toContain('/does/not/exist');
    });

    it('keeps the route template when the route fails', async () => {
      const { app, records } = setup();
      await request(app).post(EXECUTE).send({ task: 1 }).expect(400);
      expect(records).toContainEqual(expect.objectContaining({ route: '/v1/agent/execute', status_code: 400 }));
    });
  });

  describe('CORS', () => {
    const origins = { CORS_ORIGINS: 'https://app.example.com, https://admin.example.com/' };

    it('sends no CORS headers by default', async () => {
      const { app } = setup();
      const res = await request(app).get('/healthz').set('Origin', 'https://app.example.com').expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('allows a configured origin and exposes the useful headers', async () => {
      const { app } = setup(origins);
      const res = await request(app).post(EXECUTE).set('Origin', 'https://admin.example.com').send({ task: 'x' }).expect(202);
      expect(res.headers['access-control-allow-origin']).toBe('https://admin.example.com');
      expect(res.headers['access-control-expose-headers']).toContain('Location');
      expect(res.headers['vary']).toMatch(/Origin/);
    });

    it('answers a preflight from a configured origin with 204', async () => {
      const { app } = setup(origins);
      const res = await request(app)
        .options(EXECUTE)
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type')
        .expect(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']).toContain('Content-Type');
    });

    it('gives other origins nothing', async () => {
      const { app } = setup(origins);
      const pre = await request(app).options(EXECUTE).set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST').expect(204);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const res = await request(app).get('/healthz').set('Origin', 'https://app.example.com.evil.example').expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('rate limiting', () => {
    it('answers 429 in the error shape with RateLimit headers after the limit', async () => {
      const { app } = setup({ API_RATE_LIMIT_PER_MINUTE: '3' });
      for (let i = 0; i < 3; i++) {
        const ok = await request(app).post(EXECUTE).send({ task: `t${i}` }).expect(202);
        expect(ok.headers['ratelimit-limit']).toBe('3');
        expect(ok.headers['ratelimit-remaining']).toBe(String(2 - i));
      }
      const res = await request(app).get('/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f').expect(429);
      expectErrorShape(res.body, 'RATE_LIMITED');
      expect(res.headers['ratelimit-remaining']).toBe('0');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.headers['ratelimit-reset']).toBeDefined();
    });

    it('does not limit health checks', async () => {
      const { app } = setup({ API_RATE_LIMIT_PER_MINUTE: '1' });
      for (let i = 0; i < 3; i++) await request(app).get('/healthz').expect(200);
    });

    it('is off when the limit is 0', async () => {
      const { app } = setup({ API_RATE_LIMIT_PER_MINUTE: '0' });
      const res = await request(app).get('/nope').expect(404);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    });

    it('counts hits in the store it is given', async () => {
      const hits: string[] = [];
      const store = {
        init: () => undefined,
        increment: async (key: string) => {
          hits.push(key);
          return { totalHits: hits.length, resetTime: new Date(Date.now() + 60_000) };
        },
        decrement: async () => undefined,
        resetKey: async () => undefined,
      };
      const { app } = setup({ API_RATE_LIMIT_PER_MINUTE: '10' }, { rateLimitStore: store });
      await request(app).get('/nope').expect(404);
      expect(hits).toHaveLength(1);
    });
  });

  describe('health', () => {
    it('GET /healthz is ok without touching dependencies', async () => {
      const { app, store, queue } = setup();
      store.down = true;
      queue.unavailable = true;
      const res = await request(app).get('/healthz').expect(200);
      expect(res.body).toEqual({ status: 'ok', api_version: 'v1' });
    });

    it('GET /readyz is 200 when both dependencies answer', async () => {
      const { app } = setup();
      const res = await request(app).get('/readyz').expect(200);
      expect(res.body).toEqual({ status: 'ok', checks: { mongodb: 'ok', redis: 'ok' }, api_version: 'v1' });
    });

    it.each([
      ['mongodb', { mongodb: 'down', redis: 'ok' }],
      ['redis', { mongodb: 'ok', redis: 'down' }],
      ['both', { mongodb: 'down', redis: 'down' }],
    ])('GET /readyz is 503 naming the failed check when %s is down', async (_name, checks) => {
      const { app, store, queue } = setup();
      store.down = checks.mongodb === 'down';
      queue.unavailable = checks.redis === 'down';
      const res = await request(app).get('/readyz').expect(503);
      expect(res.body).toEqual({ status: 'unavailable', checks, api_version: 'v1' });
    });

    it('GET /readyz counts a hanging dependency as down', async () => {
      const store = new InMemoryStore();
      jest.spyOn(store, 'ping').mockReturnValue(new Promise(() => undefined));
      const { app } = setup({}, { store, readinessTimeoutMs: 50 });
      const res = await request(app).get('/readyz').expect(503);
      expect(res.body.checks).toEqual({ mongodb: 'down', redis: 'ok' });
    });
  });
});
