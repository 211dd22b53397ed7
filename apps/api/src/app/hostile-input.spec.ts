// Hostile input, systematically over every endpoint and every parameter: query-operator injection,
// junk cursors, deep JSON, huge bodies, wrong content types and Unicode edge cases. Whatever comes
// in, the answer is a documented status (the contract check holds every response against the
// OpenAPI document), in the one error shape, and never a 5xx. In-memory fakes; app.int.spec.ts runs
// the store-facing cases on MongoDB.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { fakeMessaging, FakeWorkerDirectory, InMemoryStore, InMemoryTaskQueue, recordingLogger, testConfig } from '../testing/fakes';
import { createApp } from './app';
import { LIST_TASKS_PARAMS } from '@agent-orchestrator/api-contract';

const EXECUTE = '/v1/agent/execute';
const TASK_ID = '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';

function setup(env: Record<string, string> = {}) {
  const store = new InMemoryStore();
  const queue = new InMemoryTaskQueue();
  const { logger } = recordingLogger();
  const app = createApp({
    config: testConfig({ API_RATE_LIMIT_PER_MINUTE: '0', ...env }),
    logger,
    store,
    ...fakeMessaging(queue),
    environment: 'unit',
    workerDirectory: new FakeWorkerDirectory(),
  });
  return { app, store, queue };
}

/** Sends raw bytes (supertest would JSON-encode a Buffer): `chunks` written one by one, chunked unless a Content-Length is given. */
async function rawPost(
  app: ReturnType<typeof setup>['app'],
  headers: Record<string, string>,
  chunks: Iterable<Buffer>,
): Promise<{ status: number; json: { error?: { type: string }; task_id?: string }; sentBeforeAnswer: number }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      let sent = 0;
      let answered = false;
      let sentBeforeAnswer = 0;
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: EXECUTE, headers }, (res) => {
        answered = true;
        sentBeforeAnswer = sent;
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(body), sentBeforeAnswer });
          req.destroy();
        });
      });
      req.on('error', (err) => (answered ? undefined : reject(err)));
      const it = chunks[Symbol.iterator]();
      // Only keeps sending while no answer came: an answer before the end proves the body was not awaited.
      const pump = () => {
        if (answered || req.destroyed) return;
        const next = it.next();
        if (next.done) return void req.end();
        sent += next.value.length;
        if (req.write(next.value)) setImmediate(pump);
        else req.once('drain', pump);
      };
      pump();
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function expectErrorShape(res: request.Response, status: number, type: string): void {
  expect([res.status, res.body?.error?.type]).toEqual([status, type]);
  expect(res.body).toEqual({
    error: { type, message: expect.any(String), request_id: expect.any(String), ...(res.body.error.details ? { details: expect.any(Array) } : {}) },
    api_version: 'v1',
  });
}

const OPERATOR_SUFFIXES = ['[$ne]=x', '[$gt]=', '[$regex]=.*', '[$where]=1', '[]=a', '[0]=a'];

describe('query-operator injection', () => {
  describe('GET /v1/tasks, in every parameter', () => {
    const cases = LIST_TASKS_PARAMS.flatMap((param) => OPERATOR_SUFFIXES.map((suffix) => `${param}${suffix}`));
    it.each(cases)('?%s is a 400 naming the parameter, and nothing is listed', async (query) => {
      const { app, store } = setup();
      const res = await request(app).get(`/v1/tasks?${query}`);
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.details.map((d: { field: string }) => d.field).join(' ')).toContain(query.split('[')[0]);
      expect(store.calls).not.toContain('tasks.list');
    });

    it.each(LIST_TASKS_PARAMS)('?%s given twice is a 400', async (param) => {
      const res = await request(setup().app).get(`/v1/tasks?${param}=a&${param}=b`);
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.details).toContainEqual({ field: param, message: expect.any(String) });
    });

    it.each([
      ['a JSON operator', '{"$gt":""}'],
      ['a regex', '.*'],
      ['base64 of an operator', Buffer.from('{"v":1,"c":{"$gt":0},"i":"x"}').toString('base64url')],
      ['base64 with extra keys', Buffer.from('{"v":1,"c":0,"i":"x","$where":"1"}').toString('base64url')],
      ['a huge number', Buffer.from('{"v":1,"c":1e309,"i":"x"}').toString('base64url')],
      ['NUL', '%00'],
      ['emoji', '%F0%9F%9A%80'],
      ['2 KB of junk', 'A'.repeat(2048)],
      ['empty', ''],
    ])('a cursor that is %s is a 400 naming cursor', async (_name, cursor) => {
      const res = await request(setup().app).get(`/v1/tasks?cursor=${encodeURIComponent(cursor).replace(/%25/g, '%')}`);
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.details).toContainEqual({ field: 'cursor', message: expect.any(String) });
    });

    it.each([
      ['limit', '0'],
      ['limit', '-1'],
      ['limit', '1e2'],
      ['limit', '99999999999999999999'],
      ['status', 'queued%00'],
      ['session_id', '%E2%80%AEevil'],
      ['session_id', '%F0%9F%9A%80'],
      ['agent_type', '%00'],
      ['created_from', '2025-02-30'],
      ['created_to', 'yesterday'],
    ])('?%s=%s is a 400 naming the parameter', async (param, value) => {
      const res = await request(setup().app).get(`/v1/tasks?${param}=${value}`);
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.details).toContainEqual({ field: param, message: expect.any(String) });
    });
  });

  describe.each([
    ['GET', '/v1/system/metrics'],
    ['GET', '/v1/agents'],
  ])('%s %s (takes no parameters)', (_method, path) => {
    it.each(OPERATOR_SUFFIXES.map((s) => `x${s}`))('?%s is a 400', async (query) => {
      expectErrorShape(await request(setup().app).get(`${path}?${query}`), 400, 'VALIDATION_ERROR');
    });
  });

  describe.each([
    ['GET', ''],
    ['POST', '/retry'],
  ])('%s /v1/tasks/{task_id}%s', (method, suffix) => {
    it.each([
      ['an operator as JSON', '%7B%22%24ne%22%3Anull%7D'],
      ['an operator in brackets', '%5B%24ne%5D'],
      ['a regex', '.*'],
      ['NUL', '%00'],
      ['an RTL override', `${TASK_ID.slice(0, 8)}%E2%80%AE${TASK_ID.slice(8)}`],
      ['emoji', '%F0%9F%9A%80'],
      ['invalid percent-encoding', '%E0%A4%A'],
      ['a 4 KB id', 'a'.repeat(4096)],
    ])('a task_id that is %s is a 400, and the store is never asked', async (_name, id) => {
      const { app, store } = setup();
      const res = await request(app)[method === 'GET' ? 'get' : 'post'](`/v1/tasks/${id}${suffix}`);
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(store.calls).toEqual([]);
    });

    it('ignores operator-shaped query parameters it does not read', async () => {
      const { app } = setup();
      const res = await request(app)[method === 'GET' ? 'get' : 'post'](`/v1/tasks/${TASK_ID}${suffix}?task_id[$ne]=x&status[$ne]=failed`);
      expectErrorShape(res, 404, 'NOT_FOUND');
    });
  });

  describe('POST /v1/agent/execute body', () => {
    it.each([
      ['task', { task: { $gt: '' } }],
      ['task', { task: { $where: 'sleep(1000)' } }],
      ['session_id', { task: 'x', session_id: { $ne: null } }],
      ['session_id', { task: 'x', session_id: { $regex: '.*' } }],
      ['$where', { task: 'x', $where: '1' }],
      ['status', { task: 'x', status: { $ne: 'queued' } }],
    ])('an operator in %s is a 400 and nothing is written', async (field, body) => {
      const { app, store, queue } = setup();
      const res = await request(app).post(EXECUTE).send(body);
      expectErrorShape(res, 400, 'VALIDATION_ERROR');
      expect(res.body.error.details).toContainEqual({ field, message: expect.any(String) });
      expect(store.writes()).toBe(0);
      expect(queue.enqueued).toEqual([]);
    });
  });
});

describe('deep JSON', () => {
  const depth = 10_000;
  const nestedArrays = '['.repeat(depth) + ']'.repeat(depth);
  const nestedObjects = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  it.each([
    ['10k nested arrays as the body', nestedArrays, 'body'],
    ['10k nested objects as the body', nestedObjects, 'a'],
    ['10k nested arrays as the task', `{"task":${nestedArrays}}`, 'task'],
    ['10k nested objects as the session_id', `{"task":"x","session_id":${nestedObjects}}`, 'session_id'],
  ])('%s is a 400, not a crash', async (_name, json, field) => {
    const { app, store } = setup({ BODY_LIMIT_BYTES: '200000' });
    const res = await request(app).post(EXECUTE).set('Content-Type', 'application/json').send(json);
    expectErrorShape(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details).toContainEqual({ field, message: expect.any(String) });
    expect(store.writes()).toBe(0);
  });

  it('1M nested arrays (beyond the parser\'s stack) is a 400, not a 500', async () => {
    const huge = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const res = await request(setup({ BODY_LIMIT_BYTES: '3000000' }).app).post(EXECUTE).set('Content-Type', 'application/json').send(huge);
    expectErrorShape(res, 400, 'VALIDATION_ERROR');
  });
});

describe('content types', () => {
  it.each([
    ['text/plain', '{"task":"x"}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['application/x-www-form-urlencoded', 'task=x', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="task"\r\n\r\nx\r\n--b--', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['application/xml', '<task>x</task>', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['application/json; charset=latin1', '{"task":"x"}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['application/json; charset=utf-16', '{"task":"x"}', 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['application/json', '', 400, 'VALIDATION_ERROR'],
    ['application/json', 'null', 400, 'VALIDATION_ERROR'],
    ['application/json', '"task"', 400, 'VALIDATION_ERROR'],
    ['application/json', '{"task":"x"', 400, 'VALIDATION_ERROR'],
  ])('Content-Type %s (body #%#) is a %i', async (contentType, body, status, type) => {
    const { app, store } = setup();
    const res = await request(app).post(EXECUTE).set('Content-Type', contentType).send(body);
    expectErrorShape(res, status, type);
    expect(store.writes()).toBe(0);
  });

  it('a gzip Content-Encoding of garbage is refused, not a 500', async () => {
    const res = await request(setup().app).post(EXECUTE).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('not gzip');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.api_version).toBe('v1');
  });

  it('an unknown Content-Encoding is a 415', async () => {
    const res = await request(setup().app).post(EXECUTE).set('Content-Type', 'application/json').set('Content-Encoding', 'br2').send('{"task":"x"}');
    expectErrorShape(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('unicode', () => {
  it.each([
    ['emoji', '🚀 Write a haiku 👩‍💻'],
    ['an RTL override', 'Write \u202Egnp.exe\u202C a poem'],
    ['combining marks and zero-width joiners', 'e\u0301\u200D\u200B'],
    ['CJK and Arabic', '日本語で書いて العربية'],
    ['a paired surrogate escape', '\uD83D\uDE80'],
  ])('a task with %s is accepted and stored unchanged', async (_name, task) => {
    const { app, store } = setup();
    const res = await request(app).post(EXECUTE).send({ task });
    expect(res.status).toBe(202);
    expect(store.tasks.get(res.body.task_id)?.task).toBe(task.trim());
  });

  it.each([
    ['a lone high surrogate', '{"task":"a\\ud800b"}'],
    ['a lone low surrogate', '{"task":"\\udc00"}'],
    ['reversed surrogates', '{"task":"\\ude80\\ud83d"}'],
    ['NUL', '{"task":"a\\u0000b"}'],
  ])('a task with %s is a 400 naming task', async (_name, json) => {
    const { app, store } = setup();
    const res = await request(app).post(EXECUTE).set('Content-Type', 'application/json').send(json);
    expectErrorShape(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details).toEqual([{ field: 'task', message: 'task must be valid Unicode text without NUL characters' }]);
    expect(store.writes()).toBe(0);
  });

  it('invalid UTF-8 bytes become U+FFFD, which is valid text', async () => {
    const { app, store } = setup();
    const body = Buffer.from([...Buffer.from('{"task":"a'), 0xff, 0xfe, ...Buffer.from('b"}')]);
    const res = await rawPost(app, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }, [body]);
    expect(res.status).toBe(202);
    expect(store.tasks.get(res.json.task_id!)?.task).toBe('a\uFFFD\uFFFDb');
  });

  it.each([
    ['emoji', '🚀'],
    ['an RTL override', 'abc\u202Edef'],
    ['NUL', 'abc\u0000'],
    ['a lone surrogate', 'abc\uD800'],
    ['a fullwidth letter', 'ａbc'],
  ])('a session_id with %s is a 400 naming session_id', async (_name, session_id) => {
    const res = await request(setup().app).post(EXECUTE).send({ task: 'x', session_id });
    expectErrorShape(res, 400, 'VALIDATION_ERROR');
    expect(res.body.error.details).toEqual([{ field: 'session_id', message: expect.any(String) }]);
  });

  it('a non-ASCII Idempotency-Key or X-Request-Id never breaks the answer', async () => {
    const res = await request(setup().app).post(EXECUTE).set('Idempotency-Key', Buffer.from('clé', 'latin1').toString('latin1')).set('X-Request-Id', 'ïd').send({ task: 'x' });
    expectErrorShape(res, 400, 'VALIDATION_ERROR');
    expect(res.headers['x-request-id']).not.toBe('ïd');
  });
});

describe('a 50 MB body', () => {
  function* chunks(total: number, size = 64 * 1024): Generator<Buffer> {
    for (let sent = 0; sent < total; sent += size) yield Buffer.alloc(Math.min(size, total - sent), 0x61);
  }

  it('is refused with 413 from its Content-Length, before the client has sent it', async () => {
    const { app, store } = setup();
    const total = 50 * 1024 * 1024;
    const res = await rawPost(app, { 'Content-Type': 'application/json', 'Content-Length': String(total) }, chunks(total));
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: { type: 'PAYLOAD_TOO_LARGE' }, api_version: 'v1' });
    expect(res.sentBeforeAnswer).toBeLessThan(total);
    expect(store.writes()).toBe(0);
  });

  // Without a Content-Length the parser stops keeping bytes at the limit but reads the rest off the
  // connection before answering (body-parser's behaviour): refused, never buffered, but not early.
  it('is refused with 413 when sent chunked, without a Content-Length', async () => {
    const { app, store } = setup();
    const res = await rawPost(app, { 'Content-Type': 'application/json' }, chunks(8 * 1024 * 1024));
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: { type: 'PAYLOAD_TOO_LARGE' }, api_version: 'v1' });
    expect(store.writes()).toBe(0);
  });
});
