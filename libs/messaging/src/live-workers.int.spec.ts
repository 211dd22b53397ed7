// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
// Each test file works in a Redis logical database of its own.
import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import {
  WORKER_INDEX_KEY,
  WorkerRegistryUnavailableError,
  listLiveWorkers,
  parseWorkerRecord,
  publishWorker,
  workerRecordKey,
  type PublishedAgent,
  type WorkerHeartbeat,
} from './live-workers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

const agents: PublishedAgent[] = [
  { name: 'CodeAgent', version: '1.0.0', agent_type: 'code', description: 'Writes code.' },
  { name: 'ContentAgent', version: '0.3.0', agent_type: 'content', description: 'Writes prose.' },
];

describe('worker registry (real Redis)', () => {
  let redis: Redis;
  const heartbeats: WorkerHeartbeat[] = [];
  const track = (h: WorkerHeartbeat) => (heartbeats.push(h), h);

  beforeAll(async () => {
    const url = process.env['REDIS_URL'];
    if (!url) throw new Error('REDIS_URL is not set: run through Jest so tools/jest/services-setup.mjs provides it.');
    redis = new Redis(url, { db: randomInt(1, 16), lazyConnect: true });
    await redis.connect();
  });

  beforeEach(async () => {
    await redis.flushdb();
  });

  afterEach(async () => {
    await Promise.all(heartbeats.splice(0).map((h) => h.stop()));
  });

  afterAll(async () => {
    await redis?.flushdb();
    redis?.disconnect();
  });

  it('publishes a worker with its agents, field by field', async () => {
    const started_at = new Date('2030-01-01T00:00:00.000Z');
    const extra = agents.map((a) => ({ ...a, create: () => undefined, secret: 'x' }));
    const h = track(await publishWorker(redis, { agents: extra, hostname: 'host-a', pid: 42, started_at }, { intervalMs: 1000 }));
    expect(h.worker_id).toMatch(/^host-a:42:[0-9a-f]{8}$/);

    const live = await listLiveWorkers(redis);
    expect(live).toEqual([
      { worker_id: h.worker_id, hostname: 'host-a', pid: 42, started_at: started_at.toISOString(), last_seen_at: expect.any(String), agents },
    ]);
    const ttl = await redis.pttl(workerRecordKey(h.worker_id));
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3000);
  });

  it('lists every live worker, most recently seen first', async () => {
    const a = track(await publishWorker(redis, { agents, worker_id: 'w-a' }, { intervalMs: 5000 }));
    await sleep(5);
    const b = track(await publishWorker(redis, { agents: agents.slice(0, 1), worker_id: 'w-b' }, { intervalMs: 5000 }));
    expect((await listLiveWorkers(redis)).map((w) => w.worker_id)).toEqual(['w-b', 'w-a']);
    await a.beat();
    expect((await listLiveWorkers(redis)).map((w) => w.worker_id)).toEqual(['w-a', 'w-b']);
    expect(b.worker_id).toBe('w-b');
  });

  it('keeps a running worker alive past its TTL by heartbeating', async () => {
    const h = track(await publishWorker(redis, { agents }, { intervalMs: 100, ttlMs: 300 }));
    const first = (await listLiveWorkers(redis))[0]!.last_seen_at;
    await sleep(700);
    const [live] = await listLiveWorkers(redis);
    expect(live?.worker_id).toBe(h.worker_id);
    expect(Date.parse(live!.last_seen_at)).toBeGreaterThan(Date.parse(first));
  });

  it('drops a worker that stops heartbeating once its TTL passes, and prunes the index', async () => {
    const h = await publishWorker(redis, { agents }, { intervalMs: 100, ttlMs: 300 });
    expect(await listLiveWorkers(redis)).toHaveLength(1);
    // A crash: the heartbeat stops, nothing deletes the record.
    await h.stop({ deregister: false });
    expect(await listLiveWorkers(redis)).toHaveLength(1);
    await eventually(async () => (await listLiveWorkers(redis)).length === 0, 2000);
    await eventually(async () => (await redis.zcard(WORKER_INDEX_KEY)) === 0, 1000);
  });

  it('removes a worker at once on a graceful stop', async () => {
    const h = await publishWorker(redis, { agents }, { intervalMs: 10_000 });
    expect(await listLiveWorkers(redis)).toHaveLength(1);
    await h.stop();
    expect(await listLiveWorkers(redis)).toEqual([]);
    expect(await redis.exists(workerRecordKey(h.worker_id))).toBe(0);
    expect(await redis.zcard(WORKER_INDEX_KEY)).toBe(0);
    expect(await h.beat()).toBe(false);
    await h.stop(); // twice is fine
  });

  it('ignores and prunes records that are not what a worker writes', async () => {
    await redis.zadd(WORKER_INDEX_KEY, Date.now(), 'bogus', Date.now(), 'mismatch');
    await redis.set(workerRecordKey('bogus'), '{"worker_id":"bogus"');
    await redis.set(
      workerRecordKey('mismatch'),
      JSON.stringify({ worker_id: 'other', hostname: 'h', pid: 1, started_at: new Date().toISOString(), last_seen_at: new Date().toISOString(), agents: [] }),
    );
    const h = track(await publishWorker(redis, { agents }, { intervalMs: 5000 }));
    expect((await listLiveWorkers(redis)).map((w) => w.worker_id)).toEqual([h.worker_id]);
    await eventually(async () => (await redis.zcard(WORKER_INDEX_KEY)) === 1, 1000);
  });

  it('refuses a TTL that would let a live worker blink out', async () => {
    await expect(publishWorker(redis, { agents }, { intervalMs: 1000, ttlMs: 1000 })).rejects.toThrow(RangeError);
  });

  describe('when Redis is unreachable', () => {
    let dead: Redis;

    beforeAll(async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      await new Promise<void>((resolve) => server.close(() => resolve()));
      dead = new Redis({ port, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
    });

    afterAll(() => dead.disconnect());

    it('listLiveWorkers fails fast with WorkerRegistryUnavailableError', async () => {
      const started = Date.now();
      await expect(listLiveWorkers(dead, { timeoutMs: 500 })).rejects.toBeInstanceOf(WorkerRegistryUnavailableError);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('publishWorker still resolves and reports the failed heartbeat', async () => {
      const errors: Error[] = [];
      const h = await publishWorker(dead, { agents }, { intervalMs: 1000, timeoutMs: 200, onError: (e) => errors.push(e) });
      expect(errors.length).toBeGreaterThanOrEqual(1);
      await h.stop();
    });
  });
});

describe('parseWorkerRecord', () => {
  const valid = { worker_id: 'w', hostname: 'h', pid: 1, started_at: '2030-01-01T00:00:00.000Z', last_seen_at: '2030-01-01T00:00:10.000Z', agents };

  it('accepts a record as a worker writes it, dropping unknown fields', () => {
    expect(parseWorkerRecord(JSON.stringify({ ...valid, extra: 1 }))).toEqual(valid);
  });

  it.each([
    ['null', null],
    ['not JSON', '{'],
    ['an array', '[]'],
    ['a missing hostname', JSON.stringify({ ...valid, hostname: undefined })],
    ['a string pid', JSON.stringify({ ...valid, pid: '1' })],
    ['a bad date', JSON.stringify({ ...valid, started_at: 'yesterday' })],
    ['agents not a list', JSON.stringify({ ...valid, agents: {} })],
    ['an agent without a version', JSON.stringify({ ...valid, agents: [{ name: 'A', agent_type: 'x', description: 'd' }] })],
  ])('rejects %s', (_name, value) => {
    expect(parseWorkerRecord(value)).toBeNull();
  });
});
