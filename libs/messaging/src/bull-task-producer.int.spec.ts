// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { bullApiMessaging } from './bull-api-messaging';
import { BullTaskProducer } from './bull-task-producer';
import { createTaskQueue, pingQueue, type TaskQueue } from './queue';
import { subscribeTaskCancels } from './task-cancel';
import { uniquePrefix } from './testing';

const prefixOf = (q: TaskQueue): string => (q as unknown as { keyPrefix: string }).keyPrefix;

describe('BullTaskProducer (the TaskQueue port on a real Bull queue)', () => {
  const url = process.env['REDIS_URL']!;
  let queue: TaskQueue;
  let producer: BullTaskProducer;

  beforeAll(async () => {
    queue = createTaskQueue(url, { failFast: true, prefix: uniquePrefix('btp') });
    // A fail-fast queue refuses commands until its connection is up (as the api's main.ts waits).
    const deadline = Date.now() + 10_000;
    while (!(await pingQueue(queue, 500)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    producer = new BullTaskProducer(queue, { timeoutMs: 2000 });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  });

  it('enqueues one process_task job per task id, and reads its state and the counts', async () => {
    const id = randomUUID();
    expect(await producer.jobState(id)).toBe('missing');
    await producer.enqueue(id);
    await producer.enqueue(id);
    const job = await queue.getJob(id);
    expect(job).toMatchObject({ id, name: 'process_task', data: { task_id: id } });
    expect(await producer.jobState(id)).toBe('waiting');
    expect(await producer.counts()).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 });
    expect(await producer.ping(1000)).toBe(true);
  });

  it('removes a job, and says so when there was none', async () => {
    const id = randomUUID();
    await producer.enqueue(id);
    expect(await producer.remove(id)).toBe('removed');
    expect(await producer.remove(id)).toBe('missing');
    expect(await producer.jobState(id)).toBe('missing');
  });

  it('reports a finished job by its state, so a retry can replace it', async () => {
    const id = randomUUID();
    await producer.enqueue(id);
    // A consumer on the same queue runs the job to completion.
    const consumer = createTaskQueue(url, { prefix: prefixOf(queue) });
    try {
      void consumer.process('process_task', async () => 'done');
      const deadline = Date.now() + 10_000;
      while ((await producer.jobState(id)) !== 'completed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await producer.jobState(id)).toBe('completed');
      expect(await producer.remove(id)).toBe('removed');
    } finally {
      await consumer.close();
    }
  });

  it('publishes cancels on the channel the workers listen to', async () => {
    const seen: string[] = [];
    const subscription = await subscribeTaskCancels(url, (taskId) => seen.push(taskId));
    try {
      const id = randomUUID();
      await bullApiMessaging(queue, { enqueueTimeoutMs: 2000 }).cancels.publish(id);
      const deadline = Date.now() + 5000;
      while (!seen.includes(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toContain(id);
    } finally {
      await subscription.close();
    }
  });

  it('fails with a retryable SERVICE_UNAVAILABLE when Redis does not answer in time', async () => {
    // A server that accepts connections and never answers: Bull's commands wait forever without the timeout.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address() as { port: number };
    const stuck = createTaskQueue(`redis://127.0.0.1:${port}`);
    try {
      const slow = new BullTaskProducer(stuck, { timeoutMs: 200 });
      await expect(slow.enqueue(randomUUID())).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE', retryable: true });
      await expect(slow.jobState(randomUUID())).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE' });
      await expect(slow.counts()).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE' });
      expect(await slow.ping(200)).toBe(false);
    } finally {
      for (const client of stuck.clients) client.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
