// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
// The Bull adapter of the WebhookQueue / WebhookConsumer ports on a real Redis (a key prefix of its own).
import type { WebhookJob } from '@agent-orchestrator/tasks';
import { BullWebhookQueue } from './bull-webhook-queue';
import { testRedisUrl, uniquePrefix, waitUntil } from './testing';

describe('BullWebhookQueue (real Redis)', () => {
  const url = testRedisUrl();
  const open: BullWebhookQueue[] = [];
  afterAll(async () => {
    for (const q of open) {
      await q.queue.obliterate({ force: true }).catch(() => undefined);
      await q.close();
    }
  });

  async function pair() {
    const prefix = uniquePrefix('bwq');
    const producer = new BullWebhookQueue(url, { prefix });
    const consumer = new BullWebhookQueue(url, { prefix });
    open.push(producer, consumer);
    await producer.ready();
    return { producer, consumer };
  }

  it('runs each attempt once, after its delay; scheduling the same attempt twice adds one job', async () => {
    const { producer, consumer } = await pair();
    const seen: Array<WebhookJob & { at: number }> = [];
    await consumer.consume(async (job) => void seen.push({ ...job, at: Date.now() }), { concurrency: 2 });
    const start = Date.now();
    await producer.schedule('msg_a_0', 1, 0);
    await producer.schedule('msg_a_0', 1, 0);
    await producer.schedule('msg_a_0', 2, 300);
    expect(await waitUntil(async () => seen.length >= 2, { timeoutMs: 10_000 })).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen.map(({ webhook_id, attempt }) => [webhook_id, attempt])).toEqual([
      ['msg_a_0', 1],
      ['msg_a_0', 2],
    ]);
    expect(seen[1]!.at - start).toBeGreaterThanOrEqual(250);
    // Done jobs leave Redis, so an attempt the record says never happened can be scheduled again.
    expect(await producer.queue.getJob('msg_a_0.1')).toBeNull();
    await producer.schedule('msg_a_0', 1, 0);
    expect(await waitUntil(async () => seen.length === 3, { timeoutMs: 10_000 })).toBe(true);
  });

  it('drops a failed job too (the sweep schedules it again) and discards malformed jobs', async () => {
    const { producer, consumer } = await pair();
    let calls = 0;
    await consumer.consume(
      async () => {
        calls++;
        throw new Error('database unavailable');
      },
      { concurrency: 1 },
    );
    await producer.schedule('msg_b_0', 1, 0);
    expect(await waitUntil(async () => calls === 1 && (await producer.queue.getJob('msg_b_0.1')) === null, { timeoutMs: 10_000 })).toBe(true);
    await producer.queue.add('deliver_webhook', { webhook_id: 7 } as never, { jobId: 'bad' });
    expect(await waitUntil(async () => (await producer.queue.getJob('bad')) === null, { timeoutMs: 10_000 })).toBe(true);
    expect(calls).toBe(1);
  });
});
