// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { StreamEvent } from '@agent-orchestrator/domain';
import { RedisTaskStreamBus, decodeStreamEvent, encodeStreamEvent, taskStreamChannel } from './redis-task-stream-bus';

const event = (task_id: string, seq: number): StreamEvent => ({ task_id, seq, event: 'delta', timestamp: new Date(), agent_name: 'ContentAgent', data: { text: `piece ${seq}` } });

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('Redis task stream bus (real Redis)', () => {
  it("delivers a task's events, published from another process's bus, to that task's subscribers only, until they close", async () => {
    const url = process.env['REDIS_URL']!;
    const publisherClient = new Redis(url);
    const worker = new RedisTaskStreamBus({ redisUrl: url, publisher: publisherClient });
    const api = new RedisTaskStreamBus({ redisUrl: url, publisher: publisherClient });
    const watched = randomUUID();
    const other = randomUUID();
    const a: StreamEvent[] = [];
    const b: StreamEvent[] = [];
    try {
      const subA = await api.subscribe(watched, (e) => a.push(e));
      const subB = await api.subscribe(watched, (e) => b.push(e));
      await api.subscribe(other, () => undefined);
      expect(api.subscriptions).toBe(3);
      await worker.publish(event(watched, 1));
      await worker.publish(event(other, 1));
      await worker.publish(event(watched, 2));
      await until(() => a.length === 2 && b.length === 2);
      expect(a.map((e) => [e.task_id, e.seq, e.data['text']])).toEqual([
        [watched, 1, 'piece 1'],
        [watched, 2, 'piece 2'],
      ]);
      expect(a[0]?.timestamp).toBeInstanceOf(Date);
      expect(b).toEqual(a);
      await subA.close();
      await subA.close();
      await worker.publish(event(watched, 3));
      await until(() => b.length === 3);
      expect(a).toHaveLength(2);
      await subB.close();
      // The task's channel is left once its last stream closed.
      const numsub = (await publisherClient.call('PUBSUB', 'NUMSUB', taskStreamChannel(watched))) as [string, number];
      expect(Number(numsub[1])).toBe(0);
    } finally {
      await api.close();
      await worker.close();
      await publisherClient.quit();
    }
  });

  it("announces many tasks' events in one pipeline, each on its task's channel in the order given, and says per event what failed", async () => {
    const url = process.env['REDIS_URL']!;
    const publisherClient = new Redis(url);
    const sent: string[] = [];
    // Counts the round trips: every PUBLISH of publishMany goes through one pipeline.
    const counting = {
      publish: (channel: string, message: string) => publisherClient.publish(channel, message),
      pipeline: () => {
        sent.push('pipeline');
        return publisherClient.pipeline();
      },
    };
    const worker = new RedisTaskStreamBus({ redisUrl: url, publisher: counting });
    const api = new RedisTaskStreamBus({ redisUrl: url, publisher: publisherClient });
    const [t1, t2] = [randomUUID(), randomUUID()];
    const heard: StreamEvent[] = [];
    try {
      await api.subscribe(t1, (e) => heard.push(e));
      await api.subscribe(t2, (e) => heard.push(e));
      expect(await worker.publishMany([event(t1, 1), event(t2, 1), event(t1, 2)])).toEqual([undefined, undefined, undefined]);
      expect(sent).toEqual(['pipeline']);
      expect(await worker.publishMany([])).toEqual([]);
      await until(() => heard.length === 3);
      expect(heard.filter((e) => e.task_id === t1).map((e) => e.seq)).toEqual([1, 2]);
      expect(heard.filter((e) => e.task_id === t2).map((e) => e.seq)).toEqual([1]);
      // A Redis that cannot take the pipeline: every event of it failed, and the call still resolves.
      const down = new Redis(url, { lazyConnect: true, enableOfflineQueue: false });
      const unreachable = new RedisTaskStreamBus({ redisUrl: url, publisher: down });
      const failed = await unreachable.publishMany([event(t1, 3), event(t2, 2)]);
      expect(failed).toHaveLength(2);
      expect(failed.every((e) => e instanceof Error)).toBe(true);
      down.disconnect();
    } finally {
      await api.close();
      await worker.close();
      await publisherClient.quit();
    }
  });

  it('round-trips an event through its message and refuses what is not one', () => {
    const e = event(randomUUID(), 7);
    expect(decodeStreamEvent(encodeStreamEvent(e))).toEqual(e);
    expect(decodeStreamEvent('not json')).toBeNull();
    expect(decodeStreamEvent(JSON.stringify({ task_id: 'x', seq: 'one', event: 'delta', timestamp: 'now' }))).toBeNull();
  });
});
