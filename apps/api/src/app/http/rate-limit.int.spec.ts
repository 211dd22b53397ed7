// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs); MongoDB and
// the task queue are in-memory fakes, since only the rate limiter is under test. Several API apps, each
// with its own Redis client (as separate processes have), count in one Redis: the limit is shared.
// apps/e2e/src/rate-limit.e2e.spec.ts shows the same with two real API processes.
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import request from 'supertest';
import { createRedisClient, type RedisClient } from '@agent-orchestrator/messaging';
import type { Logger } from '@agent-orchestrator/observability';
import { fakeMessaging, InMemoryStore, recordingLogger, testConfig, type LogRecord } from '../../testing/fakes';
import { createApp } from '../app';
import { FAIL_OPEN_WARNING } from './rate-limit.middleware';
import { RATE_LIMIT_PREFIX, RedisRateLimitStore, connectRateLimitStore } from './rate-limit.store';
import { closedPort, testRedisUrl, waitUntil } from '@agent-orchestrator/messaging/testing';

const TASK = '/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';
/** Generous bound for "did not hang": a request that waited on an unanswering Redis would exceed it. */
const NO_HANG_MS = 3000;

describe('rate limiting on Redis (integration)', () => {
  // A logical database of this file's own, flushed before each test.
  const url = testRedisUrl();
  let admin: RedisClient;
  const cleanup: (() => Promise<unknown> | void)[] = [];

  /** An API app as main.ts builds it: its own Redis client and store, counting under ao:rl:. */
  function apiInstance(env: Record<string, string> = {}, options: { redisUrl?: string; logger?: Logger; timeoutMs?: string } = {}) {
    const { logger, records } = options.logger ? { logger: options.logger, records: [] as LogRecord[] } : recordingLogger();
    const config = testConfig({
      REDIS_URL: options.redisUrl ?? url,
      API_RATE_LIMIT_PER_MINUTE: '5',
      RATE_LIMIT_REDIS_TIMEOUT_MS: options.timeoutMs ?? '500',
      ...env,
    });
    const limiter = connectRateLimitStore(config, logger)!;
    cleanup.push(limiter.close);
    const app = createApp({ config, logger, store: new InMemoryStore(), ...fakeMessaging(), environment: 'int-test', rateLimitStore: limiter.store });
    /** Until its client has connected, an instance lets requests through uncounted (fail open). */
    const ready = async () => {
      if (!(await waitUntil(async () => limiter.client.status === 'ready', { timeoutMs: 5000 }))) throw new Error('rate-limit Redis client never got ready');
    };
    return { app, records, ready };
  }

  beforeAll(async () => {
    admin = createRedisClient(url, { commandTimeoutMs: 2000 });
    if (!(await waitUntil(async () => (await admin.ping()) === 'PONG', { timeoutMs: 10_000 }))) throw new Error(`Redis at ${url} is not reachable`);
  });

  beforeEach(async () => {
    await admin.flushdb();
  });

  afterEach(async () => {
    await Promise.all(cleanup.splice(0).map((close) => close()));
  });

  afterAll(async () => {
    await admin?.flushdb().catch(() => undefined);
    admin?.disconnect();
  });

  it('enforces one limit across two API instances sharing Redis: 3 + 3 requests, the 6th is refused', async () => {
    const a = apiInstance();
    const b = apiInstance();
    await Promise.all([a.ready(), b.ready()]);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      remaining.push((await request(a.app).get(TASK).expect(404)).headers['ratelimit-remaining']!);
      if (i < 2) remaining.push((await request(b.app).get(TASK).expect(404)).headers['ratelimit-remaining']!);
    }
    // Each answer counts the other instance's requests too.
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const sixth = await request(b.app).get(TASK).set('X-Request-Id', 'int-429').expect(429);
    expect(sixth.body).toEqual({ error: { type: 'RATE_LIMITED', message: expect.any(String), request_id: 'int-429' }, api_version: 'v1' });
    expect(sixth.headers['ratelimit-limit']).toBe('5');
    expect(sixth.headers['ratelimit-remaining']).toBe('0');
    expect(Number(sixth.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    await request(a.app).get(TASK).expect(429);

    const keys = await admin.keys(`${RATE_LIMIT_PREFIX}*`);
    expect(keys).toEqual([expect.stringMatching(/^ao:rl:ip:(127\.0\.0\.1|::1)$/)]);
    expect(await admin.get(keys[0]!)).toBe('7');
    const ttl = await admin.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('counts requests that arrive together exactly: their increments share one pipeline, each gets its own count', async () => {
    const a = apiInstance();
    await a.ready();
    const answers = await Promise.all(Array.from({ length: 8 }, () => request(a.app).get(TASK)));
    const passed = answers.filter((r) => r.status === 404);
    expect(passed).toHaveLength(5);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(3);
    expect(passed.map((r) => r.headers['ratelimit-remaining']).sort()).toEqual(['0', '1', '2', '3', '4']);
    const keys = await admin.keys(`${RATE_LIMIT_PREFIX}*`);
    expect(await admin.get(keys[0]!)).toBe('8');
  });

  it('counts per tenant across instances, every key of the tenant sharing one budget, apart from the per-IP budget', async () => {
    const tenant = `int-${randomUUID().slice(0, 8)}`;
    const keys = [
      { id: 'first', secret: 'int-secret-0123456789abcdef', tenant, scopes: ['tasks:read'] },
      { id: 'second', secret: 'int-secret-second-0123456789', tenant, scopes: ['admin'] },
    ];
    const env = { API_KEYS: JSON.stringify(keys), API_RATE_LIMIT_PER_MINUTE: '2' };
    const a = apiInstance(env);
    const b = apiInstance(env);
    await Promise.all([a.ready(), b.ready()]);
    await request(a.app).get(TASK).set('X-API-Key', 'int-secret-0123456789abcdef').expect(404);
    await request(b.app).get(TASK).set('Authorization', 'Bearer int-secret-0123456789abcdef').expect(404);
    // The tenant's other key finds the budget spent.
    await request(a.app).get(TASK).set('X-API-Key', 'int-secret-second-0123456789').expect(429);
    // Keyless requests from the same IP are refused for the missing key, not for the tenant's used-up budget.
    await request(b.app).get(TASK).expect(401);
    expect(await admin.keys(`${RATE_LIMIT_PREFIX}tenant:${tenant}`)).toEqual([`ao:rl:tenant:${tenant}`]);
    expect(await admin.get(`ao:rl:tenant:${tenant}`)).toBe('3');
    expect(await admin.keys(`${RATE_LIMIT_PREFIX}ip:*`)).toHaveLength(1);
  });

  it("takes a tenant's requests per minute from TENANT_LIMITS, other tenants keeping the default", async () => {
    const [small, big] = [`small-${randomUUID().slice(0, 8)}`, `big-${randomUUID().slice(0, 8)}`];
    const keys = [
      { id: 'small', secret: 'int-secret-small-0123456789', tenant: small, scopes: ['tasks:read'] },
      { id: 'big', secret: 'int-secret-big-0123456789ab', tenant: big, scopes: ['tasks:read'] },
    ];
    const { app, ready } = apiInstance({ API_KEYS: JSON.stringify(keys), API_RATE_LIMIT_PER_MINUTE: '3', TENANT_LIMITS: JSON.stringify({ [small]: { requests_per_minute: 1 } }) });
    await ready();
    await request(app).get(TASK).set('X-API-Key', 'int-secret-small-0123456789').expect(404);
    const limited = await request(app).get(TASK).set('X-API-Key', 'int-secret-small-0123456789').expect(429);
    expect(limited.body.error.type).toBe('RATE_LIMITED');
    expect(limited.headers['ratelimit-limit']).toBe('1');
    for (let i = 0; i < 3; i++) await request(app).get(TASK).set('X-API-Key', 'int-secret-big-0123456789ab').expect(404);
    await request(app).get(TASK).set('X-API-Key', 'int-secret-big-0123456789ab').expect(429);
  });

  describe('fails open, without hanging', () => {
    it('when Redis is unreachable: requests go through unlimited and one warning is logged', async () => {
      const { app, records } = apiInstance({ API_RATE_LIMIT_PER_MINUTE: '1' }, { redisUrl: `redis://127.0.0.1:${await closedPort()}` });
      for (let i = 0; i < 3; i++) {
        const res = await request(app).get(TASK).timeout(NO_HANG_MS).expect(404);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
      expect(records.filter((r) => r.message === FAIL_OPEN_WARNING)).toEqual([expect.objectContaining({ level: 'warn' })]);
      expect(records.filter((r) => r.level === 'error')).toEqual([]);
    });

    it('when Redis accepts the connection but never answers: the command times out and the request goes through', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => {
        for (const s of sockets) s.destroy();
        return new Promise((resolve) => silent.close(resolve));
      });
      const { port } = silent.address() as { port: number };
      // A client that skips the ready check, so commands are really sent to the silent server.
      const { logger, records } = recordingLogger();
      const client = createRedisClient(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 150, readyCheck: false });
      cleanup.push(() => client.disconnect());
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
      const config = testConfig({ API_RATE_LIMIT_PER_MINUTE: '1' });
      const app = createApp({
        config,
        logger,
        store: new InMemoryStore(),
        ...fakeMessaging(),
        environment: 'int-test',
        rateLimitStore: new RedisRateLimitStore({ client }),
      });

      await request(app).get(TASK).timeout(NO_HANG_MS).expect(404);
      await request(app).get(TASK).timeout(NO_HANG_MS).expect(404);
      expect(records).toContainEqual(expect.objectContaining({ level: 'warn', message: FAIL_OPEN_WARNING }));
    });

    it('and enforces the limit again once Redis is back, even when it was down at boot', async () => {
      // A TCP proxy to the real Redis that is closed at first: the API boots with Redis unreachable.
      const port = await closedPort();
      const target = new URL(url);
      const sockets: Socket[] = [];
      const proxy = createServer((socket) => {
        const upstream = connect(Number(target.port), target.hostname);
        sockets.push(socket, upstream);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      });
      cleanup.push(() => {
        for (const s of sockets) s.destroy();
        return new Promise((resolve) => proxy.close(resolve));
      });
      const viaProxy = new URL(url);
      viaProxy.port = String(port);
      const { app } = apiInstance({ API_RATE_LIMIT_PER_MINUTE: '2' }, { redisUrl: viaProxy.toString() });

      for (let i = 0; i < 3; i++) await request(app).get(TASK).timeout(NO_HANG_MS).expect(404);

      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      // The client reconnects on its own (backoff capped at 2 s); then the limit holds again.
      const counted = await waitUntil(async () => (await request(app).get(TASK)).headers['ratelimit-limit'] === '2', { timeoutMs: 10_000 });
      expect(counted).toBe(true);
      await request(app).get(TASK).expect(404);
      await request(app).get(TASK).expect(429);
    });
  });
});
