// API keys end to end through the HTTP app, with in-memory fakes for MongoDB and Redis.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { fakeMessaging, InMemoryStore, InMemoryTaskQueue, recordingLogger, testConfig } from '../../testing/fakes';
import { createApp } from '../app';
import { INVALID_KEY_MESSAGE, MISSING_KEY_MESSAGE, OPEN_API_WARNING } from './api-key.middleware';

const EXECUTE = '/v1/agent/execute';
const TASK = '/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';
const DASHBOARD_SECRET = 'dash-7f3a9c1e5b2d4f60a8c1';
const CI_SECRET = 'ci-0b9e8d7c6b5a49382716';
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** One key given in plain text, one given only as its digest. */
const API_KEYS = `dashboard:${DASHBOARD_SECRET}, ci:sha256:${sha256(CI_SECRET)}`;

function setup(env: Record<string, string> = {}) {
  const store = new InMemoryStore();
  const queue = new InMemoryTaskQueue();
  const { logger, records } = recordingLogger();
  const config = testConfig({ API_RATE_LIMIT_PER_MINUTE: '0', ...env });
  const app = createApp({ config, logger, store, ...fakeMessaging(queue), environment: 'unit' });
  return { app, store, queue, records };
}

function expect401(res: request.Response, message: string): void {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ error: { type: 'UNAUTHORIZED', message, request_id: res.headers['x-request-id'] }, api_version: 'v1' });
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="agent-orchestrator"/);
}

describe('API keys', () => {
  describe('with none configured', () => {
    it('runs open and says so once, at boot', async () => {
      const { app, records } = setup();
      const warnings = () => records.filter((r) => r.level === 'warn' && r.message === OPEN_API_WARNING);
      expect(warnings()).toHaveLength(1);
      await request(app).post(EXECUTE).send({ task: 'x' }).expect(202);
      await request(app).get(TASK).expect(404);
      await request(app).get(TASK).set('Authorization', 'Bearer whatever-it-is-ignored').expect(404);
      expect(warnings()).toHaveLength(1);
    });

    it('stores no api_key_id on tasks and logs it as null', async () => {
      const { app, store, records } = setup();
      const res = await request(app).post(EXECUTE).send({ task: 'x' }).expect(202);
      expect(store.tasks.get(res.body.task_id)?.metadata).not.toHaveProperty('api_key_id');
      expect(records).toContainEqual(expect.objectContaining({ route: EXECUTE, status_code: 202, api_key_id: null }));
    });
  });

  describe('with keys configured', () => {
    it('does not warn that the API is open', () => {
      const { records } = setup({ API_KEYS });
      expect(records.filter((r) => r.message === OPEN_API_WARNING)).toEqual([]);
    });

    it.each([
      ['Authorization: Bearer, plain-text key', 'Authorization', `Bearer ${DASHBOARD_SECRET}`, 'dashboard'],
      ['Authorization: bearer (scheme in any case)', 'Authorization', `bearer ${DASHBOARD_SECRET}`, 'dashboard'],
      ['X-API-Key, plain-text key', 'X-API-Key', DASHBOARD_SECRET, 'dashboard'],
      ['Authorization: Bearer, key configured as a SHA-256 digest', 'Authorization', `Bearer ${CI_SECRET}`, 'ci'],
      ['X-API-Key, key configured as a SHA-256 digest', 'X-API-Key', CI_SECRET, 'ci'],
    ])('accepts %s and stores the key id on the task', async (_name, header, value, id) => {
      const { app, store } = setup({ API_KEYS });
      const res = await request(app).post(EXECUTE).set(header, value).send({ task: 'x' }).expect(202);
      expect(store.tasks.get(res.body.task_id)?.metadata).toMatchObject({ api_key_id: id, request_id: res.headers['x-request-id'] });
      await request(app).get(`/v1/tasks/${res.body.task_id}`).set(header, value).expect(200);
    });

    it('accepts the same key in both headers', async () => {
      const { app } = setup({ API_KEYS });
      await request(app).get(TASK).set('X-API-Key', CI_SECRET).set('Authorization', `Bearer ${CI_SECRET}`).expect(404);
    });

    it.each([
      ['no key at all', {}],
      ['an empty X-API-Key', { 'X-API-Key': '' }],
      ['another Authorization scheme', { Authorization: `Basic ${Buffer.from(`u:${DASHBOARD_SECRET}`).toString('base64')}` }],
      ['"Bearer" without a token', { Authorization: 'Bearer' }],
    ])('answers 401 for %s, writing nothing', async (_name, headers) => {
      const { app, store, queue } = setup({ API_KEYS });
      const res = await request(app).post(EXECUTE).set(headers).send({ task: 'x' });
      expect401(res, MISSING_KEY_MESSAGE);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="agent-orchestrator"');
      expect(store.writes()).toBe(0);
      expect(queue.enqueued).toEqual([]);
    });

    it.each([
      ['a wrong bearer token', { Authorization: 'Bearer wrong-0123456789abcdef' }],
      ['a wrong X-API-Key', { 'X-API-Key': 'wrong-0123456789abcdef' }],
      ['the digest instead of the key', { 'X-API-Key': sha256(CI_SECRET) }],
      ['a key with extra characters', { 'X-API-Key': `${CI_SECRET}x` }],
      ['two different keys', { 'X-API-Key': CI_SECRET, Authorization: `Bearer ${DASHBOARD_SECRET}` }],
    ])('answers 401 invalid_token for %s', async (_name, headers) => {
      const { app, store } = setup({ API_KEYS });
      const res = await request(app).post(EXECUTE).set(headers).send({ task: 'x' });
      expect401(res, INVALID_KEY_MESSAGE);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="agent-orchestrator", error="invalid_token"');
      expect(store.writes()).toBe(0);
    });

    it('guards every /v1 path, known or not, before routing (no 404/405 leaks what exists)', async () => {
      const { app, store } = setup({ API_KEYS });
      expect401(await request(app).get(TASK), MISSING_KEY_MESSAGE);
      expect401(await request(app).get('/v1/tasks'), MISSING_KEY_MESSAGE);
      expect401(await request(app).get('/v1/no/such/route'), MISSING_KEY_MESSAGE);
      expect401(await request(app).get(EXECUTE), MISSING_KEY_MESSAGE);
      expect401(await request(app).post(EXECUTE).set('Content-Type', 'text/plain').send('x'), MISSING_KEY_MESSAGE);
      expect(store.calls).toEqual([]);
    });

    it('leaves /healthz and /readyz public', async () => {
      const { app } = setup({ API_KEYS });
      await request(app).get('/healthz').expect(200);
      await request(app).get('/readyz').expect(200);
    });

    it('answers unknown paths outside /v1 with 404, with or without a key', async () => {
      const { app } = setup({ API_KEYS });
      await request(app).get('/nope').expect(404);
    });

    it('logs the key id on the request line and on lines written while serving it', async () => {
      const { app, records } = setup({ API_KEYS });
      await request(app).post(EXECUTE).set('X-Request-Id', 'auth-log-1').set('Authorization', `Bearer ${DASHBOARD_SECRET}`).send({ task: 'x' }).expect(202);
      expect(records).toContainEqual(expect.objectContaining({ request_id: 'auth-log-1', route: EXECUTE, status_code: 202, api_key_id: 'dashboard' }));
      expect(records).toContainEqual(expect.objectContaining({ request_id: 'auth-log-1', message: 'task accepted', api_key_id: 'dashboard' }));
    });

    it('never logs a secret, right or wrong', async () => {
      const { app, records } = setup({ API_KEYS });
      await request(app).get(TASK).set('Authorization', `Bearer ${DASHBOARD_SECRET}`).expect(404);
      await request(app).get(TASK).set('X-API-Key', CI_SECRET).expect(404);
      await request(app).get(TASK).set('X-API-Key', 'wrong-secret-0123456789').expect(401);
      const lines = records.filter((r) => r['status_code'] !== undefined);
      expect(lines.map((r) => [r['status_code'], r['api_key_id']])).toEqual([
        [404, 'dashboard'],
        [404, 'ci'],
        [401, null],
      ]);
      const all = JSON.stringify(records);
      for (const secret of [DASHBOARD_SECRET, CI_SECRET, 'wrong-secret-0123456789', sha256(CI_SECRET)]) expect(all).not.toContain(secret);
    });
  });

  describe('with rate limiting', () => {
    it('counts requests with a missing or wrong key against the client IP before refusing them', async () => {
      const { app } = setup({ API_KEYS, API_RATE_LIMIT_PER_MINUTE: '2' });
      await request(app).get(TASK).expect(401);
      const second = await request(app).get(TASK).set('X-API-Key', 'wrong-0123456789abcdef').expect(401);
      expect(second.headers['ratelimit-remaining']).toBe('0');
      const third = await request(app).get(TASK).set('X-API-Key', 'wrong-again-0123456789').expect(429);
      expect(third.body.error.type).toBe('RATE_LIMITED');
      // A valid key has a budget of its own, untouched by the IP's.
      await request(app).get(TASK).set('X-API-Key', CI_SECRET).expect(404);
    });

    it('limits each tenant separately, whatever IP or key of the tenant it comes from', async () => {
      const keys = [
        { id: 'dashboard', secret: DASHBOARD_SECRET, tenant: 'acme', scopes: ['tasks:read'] },
        { id: 'ci', secret_sha256: sha256(CI_SECRET), tenant: 'globex', scopes: ['tasks:read'] },
        { id: 'ci-2', secret: 'ci-second-0123456789abcdef', tenant: 'globex', scopes: ['admin'] },
      ];
      const { app } = setup({ API_KEYS: JSON.stringify(keys), API_RATE_LIMIT_PER_MINUTE: '2' });
      await request(app).get(TASK).set('X-API-Key', CI_SECRET).expect(404);
      await request(app).get(TASK).set('X-API-Key', 'ci-second-0123456789abcdef').expect(404);
      const limited = await request(app).get(TASK).set('Authorization', `Bearer ${CI_SECRET}`).expect(429);
      expect(limited.headers['ratelimit-limit']).toBe('2');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      const other = await request(app).get(TASK).set('X-API-Key', DASHBOARD_SECRET).expect(404);
      expect(other.headers['ratelimit-remaining']).toBe('1');
    });
  });
});
