// Audit of the one error shape: every status the API answers with, reached the way a client would,
// through the whole app (in-memory fakes). Every JSON body carries api_version "v1".
import request from 'supertest';
import { newTask } from '@agent-orchestrator/domain';
import { fakeMessaging, InMemoryStore, InMemoryTaskQueue, recordingLogger, testConfig } from '../../testing/fakes';
import { createApp } from '../app';

const EXECUTE = '/v1/agent/execute';
const TASK = '/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';
const KEY = 'shape-spec-key-0123456789';

function setup(env: Record<string, string> = {}) {
  const store = new InMemoryStore();
  const queue = new InMemoryTaskQueue();
  const { logger } = recordingLogger();
  const app = createApp({
    config: testConfig({ API_RATE_LIMIT_PER_MINUTE: '0', BODY_LIMIT_BYTES: '2048', TASK_MAX_LENGTH: '100', ...env }),
    logger,
    store,
    ...fakeMessaging(queue),
    environment: 'unit',
  });
  return { app, store, queue };
}

type Setup = ReturnType<typeof setup>;
interface Case {
  status: number;
  type: string;
  env?: Record<string, string>;
  /** Puts the app in the state the case needs (a dependency down, the limit used up). */
  before?: (s: Setup) => unknown;
  send: (s: Setup) => request.Test;
  headers?: Record<string, RegExp>;
}

const KEYS = { API_KEYS: `k:${KEY}` };
const cases: Record<string, Case> = {
  'malformed JSON': { status: 400, type: 'VALIDATION_ERROR', send: ({ app }) => request(app).post(EXECUTE).set('Content-Type', 'application/json').send('{"task":') },
  'an invalid body': { status: 400, type: 'VALIDATION_ERROR', send: ({ app }) => request(app).post(EXECUTE).send({ task: 1 }) },
  'a malformed task id': { status: 400, type: 'VALIDATION_ERROR', send: ({ app }) => request(app).get('/v1/tasks/nope') },
  'a path that is not valid URI encoding': { status: 400, type: 'VALIDATION_ERROR', send: ({ app }) => request(app).get('/v1/tasks/%E0%A4%A') },
  'a missing API key': { status: 401, type: 'UNAUTHORIZED', env: KEYS, send: ({ app }) => request(app).get(TASK), headers: { 'www-authenticate': /^Bearer / } },
  'a wrong API key': {
    status: 401,
    type: 'UNAUTHORIZED',
    env: KEYS,
    send: ({ app }) => request(app).get(TASK).set('X-API-Key', `${KEY}!`),
    headers: { 'www-authenticate': /invalid_token/ },
  },
  'an unknown task': { status: 404, type: 'NOT_FOUND', send: ({ app }) => request(app).get(TASK) },
  'an unknown /v1 route': { status: 404, type: 'NOT_FOUND', send: ({ app }) => request(app).get('/v1/nope') },
  'an unknown route outside /v1': { status: 404, type: 'NOT_FOUND', send: ({ app }) => request(app).post('/nope').send({}) },
  'a known path with the wrong method': { status: 405, type: 'METHOD_NOT_ALLOWED', send: ({ app }) => request(app).put(EXECUTE), headers: { allow: /^OPTIONS, POST$/ } },
  'a body over BODY_LIMIT_BYTES': { status: 413, type: 'PAYLOAD_TOO_LARGE', send: ({ app }) => request(app).post(EXECUTE).send({ task: 'a'.repeat(4096) }) },
  'a body that is not JSON': { status: 415, type: 'UNSUPPORTED_MEDIA_TYPE', send: ({ app }) => request(app).post(EXECUTE).set('Content-Type', 'text/plain').send('hi') },
  'one request too many': {
    status: 429,
    type: 'RATE_LIMITED',
    env: { API_RATE_LIMIT_PER_MINUTE: '1' },
    before: ({ app }) => request(app).get(TASK),
    send: ({ app }) => request(app).get(TASK),
    headers: { 'retry-after': /^\d+$/, 'ratelimit-limit': /^1$/ },
  },
  'MongoDB down': {
    status: 503,
    type: 'SERVICE_UNAVAILABLE',
    before: (s) => (s.store.down = true),
    send: ({ app }) => request(app).get(TASK),
    headers: { 'retry-after': /^\d+$/ },
  },
  'an Idempotency-Key reused with another body': {
    status: 409,
    type: 'CONFLICT',
    before: ({ app }) => request(app).post(EXECUTE).set('Idempotency-Key', 'k-1').send({ task: 'first' }),
    send: ({ app }) => request(app).post(EXECUTE).set('Idempotency-Key', 'k-1').send({ task: 'second' }),
  },
  'a malformed Idempotency-Key': { status: 400, type: 'VALIDATION_ERROR', send: ({ app }) => request(app).post(EXECUTE).set('Idempotency-Key', 'é'.repeat(3)).send({ task: 'x' }) },
  'a retry of a task that did not fail': {
    status: 409,
    type: 'CONFLICT',
    before: (s) => s.store.repositories.tasks.create(newTask({ task_id: TASK.slice('/v1/tasks/'.length), session_id: 's', task: 'x', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'unit' }, now: new Date() })),
    send: ({ app }) => request(app).post(`${TASK}/retry`),
  },
  'a bug': {
    status: 500,
    type: 'INTERNAL_ERROR',
    before: (s) => jest.spyOn(s.store.repositories.tasks, 'findById').mockRejectedValue(new TypeError('secret internals at /srv/x.ts:1')),
    send: ({ app }) => request(app).get(TASK),
  },
};

describe('one error shape everywhere', () => {
  it.each(Object.entries(cases))('%s', async (_name, { status, type, env, before, send, headers = {} }) => {
    const s = setup(env);
    await before?.(s);
    const res = await send(s).set('X-Request-Id', 'shape-1');
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      error: { type, message: expect.any(String), request_id: 'shape-1', ...(res.body.error?.details ? { details: expect.any(Array) } : {}) },
      api_version: 'v1',
    });
    expect(res.body.error.message.length).toBeGreaterThan(0);
    expect(res.headers['x-request-id']).toBe('shape-1');
    expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+|stack|secret internals/);
    for (const [name, pattern] of Object.entries(headers)) expect(res.headers[name]).toMatch(pattern);
  });

  it('covers every error status the API answers with', () => {
    expect([...new Set(Object.values(cases).map((c) => c.status))].sort()).toEqual([400, 401, 404, 405, 409, 413, 415, 429, 500, 503]);
  });

  it.each([
    ['POST /v1/agent/execute', ({ app }: Setup) => request(app).post(EXECUTE).send({ task: 'x' })],
    ['GET /healthz', ({ app }: Setup) => request(app).get('/healthz')],
    ['GET /readyz', ({ app }: Setup) => request(app).get('/readyz')],
    [
      'GET /readyz when a dependency is down',
      (s: Setup) => {
        s.store.down = true;
        return request(s.app).get('/readyz');
      },
    ],
  ])('success and health bodies carry api_version too: %s', async (_name, send) => {
    const res = await send(setup());
    expect(res.body).toMatchObject({ api_version: 'v1' });
  });
});
