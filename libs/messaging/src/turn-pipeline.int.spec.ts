// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
import { randomInt, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TurnPipeline } from './turn-pipeline';

describe('TurnPipeline (real Redis)', () => {
  let redis: Redis;

  beforeAll(() => {
    const url = process.env['REDIS_URL'];
    if (!url) throw new Error('REDIS_URL is not set: run through Jest so tools/jest/services-setup.mjs provides it.');
    redis = new Redis(url, { db: randomInt(1, 16) });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('sends the calls of one turn as one pipeline, in order, each caller getting its own reply', async () => {
    const pipelines = jest.spyOn(redis, 'pipeline');
    const single = jest.spyOn(redis, 'call');
    const key = `test:tp:${randomUUID()}`;
    const calls = new TurnPipeline(redis);
    const replies = await Promise.all(Array.from({ length: 5 }, () => calls.call('INCR', key)));
    expect(replies).toEqual([1, 2, 3, 4, 5]);
    expect(pipelines).toHaveBeenCalledTimes(1);
    expect(single).not.toHaveBeenCalled();
    // The next turn is a batch of its own; a call alone is a plain call.
    expect(await calls.call('GET', key)).toBe('5');
    expect(single).toHaveBeenCalledTimes(1);
    pipelines.mockRestore();
    single.mockRestore();
  });

  it("fails only the caller whose command Redis refused; the others of the batch get their replies", async () => {
    const hash = `test:tp:${randomUUID()}`;
    await redis.hset(hash, 'f', '1');
    const calls = new TurnPipeline(redis);
    const [ok, refused, alsoOk] = await Promise.allSettled([calls.call('SET', `test:tp:${randomUUID()}`, 'x'), calls.call('INCR', hash), calls.call('ECHO', 'hi')]);
    expect(ok).toEqual({ status: 'fulfilled', value: 'OK' });
    expect(refused.status).toBe('rejected');
    expect(String((refused as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect(alsoOk).toEqual({ status: 'fulfilled', value: 'hi' });
  });

  it('sends at once past maxBatch, without waiting for the end of the turn', async () => {
    const pipelines = jest.spyOn(redis, 'pipeline');
    const calls = new TurnPipeline(redis, 3);
    const key = `test:tp:${randomUUID()}`;
    const replies = await Promise.all(Array.from({ length: 7 }, () => calls.call('INCR', key)));
    expect(replies).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Two full batches of 3 at once, then the last call alone at the end of the turn.
    expect(pipelines).toHaveBeenCalledTimes(2);
    pipelines.mockRestore();
  });

  it('rejects every call of the batch when the whole pipeline fails (the connection is gone)', async () => {
    const url = process.env['REDIS_URL']!;
    // Never connected, no offline queue: as the api's clients behave while Redis is down.
    const gone = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    gone.on('error', () => undefined);
    const calls = new TurnPipeline(gone);
    const results = await Promise.allSettled([calls.call('PING'), calls.call('PING')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of results) expect(String((r as PromiseRejectedResult).reason)).toMatch(/writeable|closed|connect/i);
    gone.disconnect();
  });
});
