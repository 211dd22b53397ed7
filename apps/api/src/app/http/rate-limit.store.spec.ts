import type { Options } from 'express-rate-limit';
import type { RedisClient } from '@agent-orchestrator/messaging';
import { RATE_LIMIT_PREFIX, RateLimitStoreError, RedisRateLimitStore } from './rate-limit.store';

/** Just enough of Redis for rate-limit-redis: SCRIPT LOAD, EVALSHA of the increment script, DEL. `down` refuses everything. */
function fakeRedis() {
  const counts = new Map<string, number>();
  const state = { down: false, commands: [] as string[] };
  const call = jest.fn(async (command: string, ...args: string[]): Promise<unknown> => {
    state.commands.push(command);
    if (state.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    if (command === 'SCRIPT') return `sha-${args[1]!.length}`;
    if (command === 'EVALSHA') {
      const key = args[2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return [counts.get(key), 60_000];
    }
    if (command === 'DEL') return counts.delete(args[0]!) ? 1 : 0;
    throw new Error(`unexpected ${command}`);
  });
  return { client: { call } as unknown as RedisClient, counts, state };
}

const OPTIONS = { windowMs: 60_000 } as Options;

describe('RedisRateLimitStore', () => {
  it('sends nothing at init, so an API booting without Redis stays quiet', () => {
    const redis = fakeRedis();
    new RedisRateLimitStore({ client: redis.client }).init(OPTIONS);
    expect(redis.state.commands).toEqual([]);
  });

  it('loads its scripts on first use, then counts under the ao:rl: prefix', async () => {
    const redis = fakeRedis();
    const store = new RedisRateLimitStore({ client: redis.client });
    store.init(OPTIONS);
    expect(await store.increment('ip:203.0.113.7')).toMatchObject({ totalHits: 1 });
    expect(await store.increment('ip:203.0.113.7')).toMatchObject({ totalHits: 2 });
    expect(redis.state.commands).toEqual(['SCRIPT', 'SCRIPT', 'EVALSHA', 'EVALSHA']);
    expect([...redis.counts.keys()]).toEqual([`${RATE_LIMIT_PREFIX}ip:203.0.113.7`]);
    expect(RATE_LIMIT_PREFIX).toBe('ao:rl:');
  });

  it('fails with a RateLimitStoreError while Redis is down, and works again once it is back', async () => {
    const redis = fakeRedis();
    const store = new RedisRateLimitStore({ client: redis.client });
    store.init(OPTIONS);
    redis.state.down = true;
    const err = await store.increment('ip:a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitStoreError);
    expect((err as Error).message).toContain("Stream isn't writeable");
    await expect(store.increment('ip:a')).rejects.toBeInstanceOf(RateLimitStoreError);

    // Upstream would keep awaiting the script load that failed; this store loads the scripts again.
    redis.state.down = false;
    expect(await store.increment('ip:a')).toMatchObject({ totalHits: 1 });
  });

  it('reloads its scripts after a failure that happened once they were loaded', async () => {
    const redis = fakeRedis();
    const store = new RedisRateLimitStore({ client: redis.client });
    store.init(OPTIONS);
    await store.increment('k');
    redis.state.down = true;
    await expect(store.increment('k')).rejects.toBeInstanceOf(RateLimitStoreError);
    redis.state.down = false;
    redis.state.commands.length = 0;
    expect(await store.increment('k')).toMatchObject({ totalHits: 2 });
    expect(redis.state.commands).toEqual(['SCRIPT', 'SCRIPT', 'EVALSHA']);
  });

  it('resets a key', async () => {
    const redis = fakeRedis();
    const store = new RedisRateLimitStore({ client: redis.client, prefix: 'test:' });
    store.init(OPTIONS);
    await store.increment('k');
    await store.resetKey('k');
    expect(redis.counts.has('test:k')).toBe(false);
  });

  it('refuses to count before express-rate-limit initialised it', async () => {
    const store = new RedisRateLimitStore({ client: fakeRedis().client });
    await expect(store.increment('k')).rejects.toBeInstanceOf(RateLimitStoreError);
  });
});
