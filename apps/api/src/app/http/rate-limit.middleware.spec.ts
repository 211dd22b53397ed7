import express, { type Express } from 'express';
import type { Store } from 'express-rate-limit';
import request from 'supertest';
import { recordingLogger } from '../../testing/fakes';
import { errorHandler } from './error-handler.middleware';
import { FAIL_OPEN_WARNING, rateLimitMiddleware } from './rate-limit.middleware';
import { RateLimitStoreError } from './rate-limit.store';
import { attachPrincipal } from './request-context';
import { requestIdMiddleware } from './request-id.middleware';

/** A store that counts in memory and records keys; `fail` makes it throw like RedisRateLimitStore with Redis down. */
function countingStore() {
  const hits = new Map<string, number>();
  const state = { fail: false, keys: [] as string[] };
  const store: Store = {
    init: () => undefined,
    increment: async (key) => {
      if (state.fail) throw new RateLimitStoreError(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      state.keys.push(key);
      hits.set(key, (hits.get(key) ?? 0) + 1);
      return { totalHits: hits.get(key)!, resetTime: new Date(Date.now() + 60_000) };
    },
    decrement: async () => undefined,
    resetKey: async () => undefined,
  };
  return { store, state };
}

function setup(options: { perMinute?: number; apiKeyHeader?: boolean; trustProxy?: number | false; now?: () => number } = {}) {
  const { logger, records } = recordingLogger();
  const { store, state } = countingStore();
  const limit = rateLimitMiddleware({ perMinute: options.perMinute ?? 3, store, logger, now: options.now });
  const app: Express = express();
  app.set('trust proxy', options.trustProxy ?? false);
  app.use(requestIdMiddleware(logger));
  // Stands in for the API-key middleware: the header names the key id.
  app.use((req, res, next) => {
    const id = req.get('X-Test-Key-Id');
    if (id) attachPrincipal(res, { tenantId: id, apiKeyId: id, scopes: ['admin'] });
    next();
  });
  // The same limiter twice on one request must count it once.
  app.get('/thing', limit, limit, (_req, res) => {
    res.json({ ok: true });
  });
  app.use(errorHandler());
  return { app, records, state };
}

describe('rateLimitKey', () => {
  const keyFor = async (headers: Record<string, string>, trustProxy: number | false = false) => {
    const { app, state } = setup({ trustProxy });
    await request(app).get('/thing').set(headers);
    return state.keys[0];
  };

  it("is the key's tenant when the request authenticated with one", async () => {
    expect(await keyFor({ 'X-Test-Key-Id': 'ci' })).toBe('tenant:ci');
  });

  it('is the client IP otherwise', async () => {
    expect(await keyFor({})).toMatch(/^ip:(127\.0\.0\.1|::1)$/);
  });

  it('groups IPv6 clients by /56 and unwraps IPv4-mapped addresses', async () => {
    expect(await keyFor({ 'X-Forwarded-For': '2001:db8:1:2a00::1' }, 1)).toBe('ip:2001:db8:1:2a00::/56');
    expect(await keyFor({ 'X-Forwarded-For': '2001:db8:1:2aff:ffff::9' }, 1)).toBe('ip:2001:db8:1:2a00::/56');
    expect(await keyFor({ 'X-Forwarded-For': '::ffff:203.0.113.9' }, 1)).toBe('ip:203.0.113.9');
  });
});

describe('rateLimitMiddleware', () => {
  it('counts a request once even when it passes the limiter twice', async () => {
    const { app, state } = setup();
    const res = await request(app).get('/thing').expect(200);
    expect(state.keys).toHaveLength(1);
    expect(res.headers['ratelimit-remaining']).toBe('2');
  });

  it('answers 429 in the error shape with RateLimit-* and Retry-After past the limit', async () => {
    const { app } = setup({ perMinute: 2 });
    await request(app).get('/thing').expect(200);
    await request(app).get('/thing').expect(200);
    const res = await request(app).get('/thing').set('X-Request-Id', 'rl-1').expect(429);
    expect(res.body).toEqual({
      error: { type: 'RATE_LIMITED', message: expect.stringContaining('Retry-After'), request_id: 'rl-1' },
      api_version: 'v1',
    });
    expect(res.headers['ratelimit-limit']).toBe('2');
    expect(res.headers['ratelimit-remaining']).toBe('0');
    expect(res.headers['ratelimit-policy']).toBe('2;w=60');
    expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('keeps per-key and per-IP budgets apart', async () => {
    const { app } = setup({ perMinute: 1 });
    await request(app).get('/thing').expect(200);
    await request(app).get('/thing').expect(429);
    await request(app).get('/thing').set('X-Test-Key-Id', 'a').expect(200);
    await request(app).get('/thing').set('X-Test-Key-Id', 'a').expect(429);
    await request(app).get('/thing').set('X-Test-Key-Id', 'b').expect(200);
  });

  it('is a no-op at 0 per minute', async () => {
    const { app, state } = setup({ perMinute: 0 });
    const res = await request(app).get('/thing').expect(200);
    expect(res.headers['ratelimit-limit']).toBeUndefined();
    expect(state.keys).toEqual([]);
  });

  describe('when its store is unavailable', () => {
    it('lets requests through without RateLimit headers (fail open)', async () => {
      const { app, state } = setup({ perMinute: 1 });
      state.fail = true;
      for (let i = 0; i < 3; i++) {
        const res = await request(app).get('/thing').expect(200);
        expect(res.headers['ratelimit-limit']).toBeUndefined();
      }
    });

    it('warns at most once a minute, then says how many warnings it held back', async () => {
      let clock = 1_000_000;
      const { app, state, records } = setup({ now: () => clock });
      state.fail = true;
      const warnings = () => records.filter((r) => r.message === FAIL_OPEN_WARNING);
      await request(app).get('/thing').expect(200);
      await request(app).get('/thing').expect(200);
      await request(app).get('/thing').expect(200);
      expect(warnings()).toEqual([expect.objectContaining({ level: 'warn', err: expect.any(Error) })]);
      expect(warnings()[0]).not.toHaveProperty('suppressed_warnings');
      clock += 60_000;
      await request(app).get('/thing').expect(200);
      expect(warnings()).toHaveLength(2);
      expect(warnings()[1]).toMatchObject({ suppressed_warnings: 2 });
      expect(records.filter((r) => r.level === 'error')).toEqual([]);
    });

    it('counts again once the store is back', async () => {
      const { app, state } = setup({ perMinute: 1 });
      state.fail = true;
      await request(app).get('/thing').expect(200);
      state.fail = false;
      await request(app).get('/thing').expect(200);
      await request(app).get('/thing').expect(429);
    });
  });
});
