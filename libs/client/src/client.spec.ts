// The client against a real local HTTP server: retries, Idempotency-Key, errors, pagination, timeouts.
import { AgentOrchestratorClient } from './client';
import { AbortError, ApiError, NetworkError, TimeoutError } from './errors';
import { TASK_ID, accepted, summary, task } from './testing/fixtures';
import { errorBody, sendJson, startServer, type LocalServer } from './testing/local-server';

const fast = { retries: 3, baseDelayMs: 5, maxDelayMs: 2000 };

describe('AgentOrchestratorClient', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const client = (s: LocalServer, extra: Partial<ConstructorParameters<typeof AgentOrchestratorClient>[0]> = {}) =>
    new AgentOrchestratorClient({ baseUrl: `${s.url}/`, apiKey: 'k-123', retry: fast, ...extra });

  describe('submit', () => {
    it('sends the task as JSON with the API key and a new Idempotency-Key per call', async () => {
      server = await startServer((_req, res) => sendJson(res, 202, accepted()));
      const c = client(server);
      const first = await c.submit({ task: 'Write a haiku', max_tokens: 500 });
      await c.submit({ task: 'Write a haiku' });
      const [a, b] = server.requests;
      expect(a).toMatchObject({ method: 'POST', url: '/v1/agent/execute', body: '{"task":"Write a haiku","max_tokens":500}' });
      expect(a!.headers).toMatchObject({ authorization: 'Bearer k-123', 'content-type': 'application/json', accept: 'application/json' });
      expect(a!.headers['idempotency-key']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(b!.headers['idempotency-key']).not.toBe(a!.headers['idempotency-key']);
      expect(first).toEqual({ ...accepted(), idempotency_key: a!.headers['idempotency-key'], replayed: false });
    });

    it('retries a dropped connection with the same key and body, and reports the replay', async () => {
      server = await startServer((req, res, i) => {
        if (i === 0) return void res.socket?.destroy();
        sendJson(res, 202, accepted(), { 'Idempotent-Replayed': 'true' });
      });
      const result = await client(server).submit({ task: 'Write a haiku' }, { idempotencyKey: 'my-key-1' });
      expect(server.requests.map((r) => [r.headers['idempotency-key'], r.body])).toEqual([
        ['my-key-1', '{"task":"Write a haiku"}'],
        ['my-key-1', '{"task":"Write a haiku"}'],
      ]);
      expect(result).toMatchObject({ task_id: TASK_ID, replayed: true, idempotency_key: 'my-key-1' });
    });

    it('honours Retry-After on 503 and 429', async () => {
      server = await startServer((_req, res, i) => {
        if (i === 0) return sendJson(res, 503, errorBody('SERVICE_UNAVAILABLE', 'MongoDB is unavailable.'), { 'Retry-After': '1' });
        if (i === 1) return sendJson(res, 429, errorBody('RATE_LIMITED', 'Too many requests.'), { 'Retry-After': '0' });
        sendJson(res, 202, accepted());
      });
      const started = Date.now();
      await client(server).submit({ task: 'x' });
      expect(server.requests).toHaveLength(3);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });

    it('retries a 409 on a repeated attempt (the first is still being stored), not on the first', async () => {
      server = await startServer((_req, res, i) => {
        if (i === 0) return void res.socket?.destroy();
        if (i === 1) return sendJson(res, 409, errorBody('CONFLICT', 'A request with this Idempotency-Key is still being processed. Retry shortly.'));
        sendJson(res, 202, accepted(), { 'Idempotent-Replayed': 'true' });
      });
      expect((await client(server).submit({ task: 'x' })).replayed).toBe(true);
      await server.close();

      server = await startServer((_req, res) => sendJson(res, 409, errorBody('CONFLICT', 'This Idempotency-Key was already used with a different request body.')));
      await expect(client(server).submit({ task: 'x' }, { idempotencyKey: 'used' })).rejects.toMatchObject({ type: 'CONFLICT', status: 409 });
      expect(server.requests).toHaveLength(1);
    });

    it('without an Idempotency-Key, never repeats a request that may have been processed', async () => {
      server = await startServer((_req, res) => void res.socket?.destroy());
      await expect(client(server).submit({ task: 'x' }, { idempotencyKey: false })).rejects.toBeInstanceOf(NetworkError);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.headers['idempotency-key']).toBeUndefined();
    });

    it('gives up after the policy\'s retries with the last error', async () => {
      server = await startServer((_req, res) => sendJson(res, 503, errorBody('SERVICE_UNAVAILABLE', 'Down.', 'req-9'), { 'Retry-After': '0' }));
      const err = await client(server, { retry: { retries: 2, baseDelayMs: 1 } })
        .submit({ task: 'x' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ type: 'SERVICE_UNAVAILABLE', status: 503, requestId: 'req-9', retryAfterMs: 0 });
      expect(server.requests).toHaveLength(3);
    });
  });

  describe('errors', () => {
    it('carry error.type, the status, request_id and details; 4xx are not retried', async () => {
      server = await startServer((_req, res) => sendJson(res, 400, errorBody('VALIDATION_ERROR', 'The request is invalid.', 'req-42', [{ field: 'task', message: 'task must not be empty' }])));
      const err = (await client(server)
        .submit({ task: ' ' })
        .catch((e: unknown) => e)) as ApiError;
      expect(err).toBeInstanceOf(ApiError);
      expect([err.name, err.type, err.status, err.requestId, err.details, err.message]).toEqual([
        'ApiError',
        'VALIDATION_ERROR',
        400,
        'req-42',
        [{ field: 'task', message: 'task must not be empty' }],
        '400 VALIDATION_ERROR: The request is invalid. (request req-42)',
      ]);
      expect(server.requests).toHaveLength(1);
    });

    it('an answer that is not the API\'s error shape is type UNKNOWN, with the X-Request-Id header', async () => {
      server = await startServer((_req, res) => {
        res.writeHead(502, { 'Content-Type': 'text/html', 'X-Request-Id': 'edge-1' });
        res.end('<html>Bad gateway</html>');
      });
      await expect(client(server, { retry: { retries: 0 } }).get(TASK_ID)).rejects.toMatchObject({ type: 'UNKNOWN', status: 502, requestId: 'edge-1' });
    });

    it('a request with no answer in time is a TimeoutError; a fired AbortSignal an AbortError, without retry', async () => {
      server = await startServer(() => undefined);
      await expect(client(server, { timeoutMs: 100, retry: { retries: 1, baseDelayMs: 1 } }).get(TASK_ID)).rejects.toBeInstanceOf(TimeoutError);
      expect(server.requests).toHaveLength(2);
      const controller = new AbortController();
      const pending = client(server).get(TASK_ID, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      expect(server.requests).toHaveLength(3);
    });
  });

  describe('reads and actions', () => {
    it('get, cancel, retry, events and webhooks call their routes (ids encoded) and return the bodies', async () => {
      const delivery = {
        webhook_id: 'msg_1_0',
        event: 'task.completed',
        url: 'https://example.com/hook',
        state: 'delivered',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:01.000Z',
        next_attempt_at: null,
        attempts: [{ at: '2026-01-01T00:00:00.500Z', status_code: 200, duration_ms: 12, error: null, response_prefix: 'ok' }],
      };
      server = await startServer((req, res) => {
        if (req.url.endsWith('/webhooks')) return sendJson(res, 200, { task_id: TASK_ID, deliveries: [delivery], api_version: 'v1' });
        if (req.url.endsWith('/cancel')) return sendJson(res, 202, task({ status: 'processing', cancel_requested_at: '2026-01-01T00:00:01.000Z' }));
        if (req.url.endsWith('/retry')) return sendJson(res, 202, { task_id: TASK_ID, status: 'queued' });
        if (req.url.endsWith('/events')) return sendJson(res, 200, { task_id: TASK_ID, events: [], logging_enabled: false, api_version: 'v1' });
        sendJson(res, 200, task());
      });
      const c = client(server);
      expect((await c.get(TASK_ID, { requestId: 'my-req' })).task_id).toBe(TASK_ID);
      expect((await c.cancel(TASK_ID)).cancel_requested_at).not.toBeNull();
      expect((await c.retry(TASK_ID)).status).toBe('queued');
      expect((await c.events(TASK_ID)).logging_enabled).toBe(false);
      expect((await c.webhooks(TASK_ID)).deliveries).toEqual([delivery]);
      await c.get('a/b?c').catch(() => undefined);
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        `GET /v1/tasks/${TASK_ID}`,
        `POST /v1/tasks/${TASK_ID}/cancel`,
        `POST /v1/tasks/${TASK_ID}/retry`,
        `GET /v1/tasks/${TASK_ID}/events`,
        `GET /v1/tasks/${TASK_ID}/webhooks`,
        'GET /v1/tasks/a%2Fb%3Fc',
      ]);
      expect(server.requests[0]!.headers['x-request-id']).toBe('my-req');
      expect(server.requests[2]!.body).toBe('');
    });

    it("usage reads GET /v1/usage and returns the tenant's figures", async () => {
      const body = {
        tenant_id: 'acme',
        day_start: '2026-01-01T00:00:00.000Z',
        tasks_by_status: { queued: 1, processing: 0, completed: 2, failed: 0, cancelled: 0 },
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.01 },
        limits: { requests_per_minute: 60, max_tasks_in_flight: 5, daily_tokens: null, daily_cost_usd: 2 },
        tasks_in_flight: 1,
        api_version: 'v1',
      };
      server = await startServer((_req, res) => sendJson(res, 200, body));
      const usage = await client(server).usage();
      expect(usage).toEqual(body);
      expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v1/usage']);
    });

    it('retry is repeated only when the API did not act (503), never after a dropped connection', async () => {
      server = await startServer((_req, res, i) => (i === 0 ? sendJson(res, 503, errorBody('SERVICE_UNAVAILABLE', 'x'), { 'Retry-After': '0' }) : void res.socket?.destroy()));
      await expect(client(server).retry(TASK_ID)).rejects.toBeInstanceOf(NetworkError);
      expect(server.requests).toHaveLength(2);
    });

    it('list walks every page through the cursor, keeping the filters', async () => {
      const all = Array.from({ length: 5 }, (_, i) => summary(i + 1));
      server = await startServer((req, res) => {
        const q = new URL(req.url, 'http://x').searchParams;
        const start = Number(q.get('cursor') ?? 0);
        const limit = Number(q.get('limit'));
        const data = all.slice(start, start + limit);
        const more = start + limit < all.length;
        sendJson(res, 200, { data, next_cursor: more ? String(start + limit) : null, has_more: more, limit, links: { next: null }, api_version: 'v1' });
      });
      const seen = [];
      for await (const t of client(server).list({ status: 'completed', limit: 2 })) seen.push(t.task_preview);
      expect(seen).toEqual(['task 1', 'task 2', 'task 3', 'task 4', 'task 5']);
      expect(server.requests.map((r) => r.url)).toEqual(['/v1/tasks?status=completed&limit=2', '/v1/tasks?status=completed&limit=2&cursor=2', '/v1/tasks?status=completed&limit=2&cursor=4']);
    });

    it('list stops early when the loop breaks (no further page is fetched)', async () => {
      server = await startServer((_req, res) => sendJson(res, 200, { data: [summary(1), summary(2)], next_cursor: 'abc', has_more: true, limit: 2, links: { next: null }, api_version: 'v1' }));
      for await (const t of client(server).list()) {
        expect(t.task_preview).toBe('task 1');
        break;
      }
      expect(server.requests).toHaveLength(1);
    });
  });
});
