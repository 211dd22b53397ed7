// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TASK_CANCEL_CHANNEL, publishTaskCancel, subscribeTaskCancels, type TaskCancelSubscription } from './task-cancel';

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('task cancel channel (real Redis)', () => {
  const url = process.env['REDIS_URL']!;
  let publisher: Redis;
  let subscription: TaskCancelSubscription | undefined;

  beforeAll(() => {
    publisher = new Redis(url);
  });
  afterAll(async () => {
    await subscription?.close();
    await publisher.quit();
  });

  it('delivers each published task id to subscribers and ignores anything that is not a task id', async () => {
    const seen: string[] = [];
    subscription = await subscribeTaskCancels(url, (id) => seen.push(id));
    const id = randomUUID();
    await publisher.publish(TASK_CANCEL_CHANNEL, 'not-a-task-id');
    await publishTaskCancel(publisher, id.toUpperCase());
    await eventually(() => seen.length > 0);
    expect(seen).toEqual([id]);
    await subscription.close();
    await subscription.close(); // twice is fine
    subscription = undefined;
  });
});
