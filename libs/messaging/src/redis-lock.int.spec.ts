// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
import { randomInt, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisLock } from './redis-lock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisLock (real Redis)', () => {
  let redis: Redis;

  beforeAll(async () => {
    const url = process.env['REDIS_URL'];
    if (!url) throw new Error('REDIS_URL is not set: run through Jest so tools/jest/services-setup.mjs provides it.');
    redis = new Redis(url, { db: randomInt(1, 16) });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('lets one holder at a time hold, extend and release the lease', async () => {
    const key = `test:lock:${randomUUID()}`;
    const a = new RedisLock(redis, key, 5000, 'a');
    const b = new RedisLock(redis, key, 5000, 'b');
    expect(await a.hold()).toBe(true);
    expect(await b.hold()).toBe(false);
    expect(await a.hold()).toBe(true); // extends its own lease
    expect(await redis.get(key)).toBe(a.token);
    await b.release(); // not the holder: no effect
    expect(await redis.get(key)).toBe(a.token);
    await a.release();
    expect(await redis.get(key)).toBeNull();
    expect(await b.hold()).toBe(true);
    await b.release();
  });

  it('expires a lease nobody extends, so another process takes over', async () => {
    const key = `test:lock:${randomUUID()}`;
    const dead = new RedisLock(redis, key, 200, 'dead');
    const next = new RedisLock(redis, key, 5000, 'next');
    expect(await dead.hold()).toBe(true);
    expect(await next.hold()).toBe(false);
    await sleep(400);
    expect(await next.hold()).toBe(true);
    // The old holder learns it lost the lease instead of acting as the holder.
    expect(await dead.hold()).toBe(false);
    await next.release();
  });

  it('lets exactly one of many concurrent contenders win', async () => {
    const key = `test:lock:${randomUUID()}`;
    const locks = Array.from({ length: 8 }, (_, i) => new RedisLock(redis, key, 5000, `c${i}`));
    const won = await Promise.all(locks.map((l) => l.hold()));
    expect(won.filter(Boolean)).toHaveLength(1);
    await Promise.all(locks.map((l) => l.release()));
    expect(await redis.get(key)).toBeNull();
  });
});
