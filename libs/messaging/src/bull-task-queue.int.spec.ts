// needs: Redis (REDIS_URL), started by the Jest global setup (tools/jest/services-setup.mjs).
// The Bull adapter of the TaskQueue / TaskConsumer ports on a real Redis (a key prefix of its own).
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { PROCESS_TASK_JOB } from '@agent-orchestrator/domain';
import type { FailedDelivery, TaskDelivery } from '@agent-orchestrator/tasks';
import { bullApiMessaging } from './bull-api-messaging';
import { BullTaskQueue } from './bull-task-queue';
import { createTaskQueue, pingQueue, type TaskQueue } from './queue';
import { subscribeTaskCancels } from './task-cancel';
import { uniquePrefix } from './testing';

const T = { tenant: 'default' };

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('BullTaskQueue (real Redis)', () => {
  const url = (() => {
    const u = new URL(process.env['REDIS_URL']!);
    u.pathname = `/${randomInt(1, 16)}`;
    return u.toString();
  })();
  const open: BullTaskQueue[] = [];
  const warnings: { message: string; meta?: Record<string, unknown> }[] = [];
  const logger = { warn: (message: string, meta?: Record<string, unknown>) => void warnings.push({ message, meta }), error: () => undefined };

  /** A producer and a consumer on one prefix, as the api and a worker would be. */
  async function pair(options: { attempts?: number } = {}) {
    const prefix = uniquePrefix('btq');
    const producer = new BullTaskQueue(url, { prefix, ...options });
    const consumer = new BullTaskQueue(url, { prefix, logger, ...options });
    open.push(producer, consumer);
    await producer.ready();
    return { producer, consumer };
  }

  afterAll(async () => {
    for (const q of open) await q.queue.obliterate({ force: true }).catch(() => undefined);
    await Promise.all(open.map((q) => q.close()));
  });

  it('keeps one process_task job per task (job id = task id) and reports its state and the counts', async () => {
    const { producer } = await pair();
    const id = randomUUID();
    expect(await producer.jobState(id)).toBe('missing');
    await producer.enqueue(id, T);
    await producer.enqueue(id, T);
    const job = await producer.queue.getJob(id);
    expect(job).toMatchObject({ id, name: PROCESS_TASK_JOB, data: { task_id: id } });
    expect(job?.opts).toMatchObject({ attempts: 3, backoff: { type: 'exponential', delay: 2000 } });
    expect(await producer.jobState(id)).toBe('waiting');
    expect(await producer.counts()).toEqual({ waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 });
    expect(await producer.remove(id)).toBe('removed');
    expect(await producer.remove(id)).toBe('missing');
    expect(await producer.jobState(id)).toBe('missing');
  });

  it('delivers each job to the handler with its delivery number, retries a throwing handler and reports each failure', async () => {
    const { producer, consumer } = await pair({ attempts: 2 });
    const deliveries: TaskDelivery[] = [];
    const failures: FailedDelivery[] = [];
    const ok = randomUUID();
    const flaky = randomUUID();
    await consumer.consume(
      async (delivery) => {
        deliveries.push(delivery);
        if (delivery.task_id === flaky) throw Object.assign(new Error(`down (${delivery.delivery})`), { type: 'SERVICE_UNAVAILABLE' });
        return 'completed';
      },
      { concurrency: 2, onFailed: (f) => void failures.push(f) },
    );
    await producer.enqueue(ok, T);
    // No backoff, so the test does not wait for the second delivery.
    await producer.queue.add(PROCESS_TASK_JOB, { task_id: flaky }, { jobId: flaky, attempts: 2, backoff: 0 });
    await until(() => failures.length === 2);
    await until(async () => (await producer.jobState(ok)) === 'completed');
    expect(deliveries.filter((d) => d.task_id === flaky).map((d) => d.delivery)).toEqual([1, 2]);
    expect(deliveries.filter((d) => d.task_id === ok)).toEqual([{ task_id: ok, delivery: 1, tenant: 'default' }]);
    expect(failures.map((f) => [f.task_id, f.delivery, f.willRetry, f.maxDeliveries, f.error.message])).toEqual([
      [flaky, 1, true, 2, 'down (1)'],
      [flaky, 2, false, 2, 'down (2)'],
    ]);
    expect(await producer.jobState(flaky)).toBe('failed');
  });

  it('discards a job whose payload is not a task id, with a warning, without calling the handler', async () => {
    const { producer, consumer } = await pair();
    const seen: TaskDelivery[] = [];
    await consumer.consume(async (d) => void seen.push(d), { concurrency: 1 });
    await producer.queue.add(PROCESS_TASK_JOB, { task_id: 'not-a-task-id' }, { jobId: 'bad-job' });
    await until(async () => (await producer.jobState('bad-job')) === 'completed');
    expect(seen).toEqual([]);
    expect(warnings).toContainEqual({ message: 'discarding malformed job', meta: { job_id: 'bad-job' } });
  });

  it('pause waits for the running jobs and takes no new one; a held job is not removed', async () => {
    const { producer, consumer } = await pair();
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await consumer.consume(
      async ({ task_id }) => {
        started.push(task_id);
        await gate;
      },
      { concurrency: 1 },
    );
    const first = randomUUID();
    await producer.enqueue(first, T);
    await until(() => started.length === 1);
    expect(await producer.jobState(first)).toBe('active');
    expect(await producer.remove(first)).toBe('locked');
    let paused = false;
    const pausing = consumer.pause().then(() => (paused = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(paused).toBe(false);
    release();
    await pausing;
    expect(await producer.jobState(first)).toBe('completed');
    const second = randomUUID();
    await producer.enqueue(second, T);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(started).toEqual([first]);
    expect(await producer.jobState(second)).toBe('waiting');
  });
});

const prefixOf = (q: TaskQueue): string => (q as unknown as { keyPrefix: string }).keyPrefix;

describe('BullTaskQueue, the producer side alone (the api: on a fail-fast queue it opened)', () => {
  const url = process.env['REDIS_URL']!;
  let queue: TaskQueue;
  let producer: BullTaskQueue;

  beforeAll(async () => {
    queue = createTaskQueue(url, { failFast: true, prefix: `btp-${randomBytes(4).toString('hex')}` });
    // A fail-fast queue refuses commands until its connection is up (as the api's main.ts waits).
    const deadline = Date.now() + 10_000;
    while (!(await pingQueue(queue, 500)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    producer = new BullTaskQueue(queue, { timeoutMs: 2000 });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  });

  it('enqueues on the queue it was given, with its own timeout, and pings Redis', async () => {
    const id = randomUUID();
    await producer.enqueue(id, T);
    expect(await queue.getJob(id)).toMatchObject({ id, name: 'process_task', data: { task_id: id } });
    expect(await producer.jobState(id)).toBe('waiting');
    expect(await producer.ping(1000)).toBe(true);
  });

  it('reports a finished job by its state, so a retry can replace it', async () => {
    const id = randomUUID();
    await producer.enqueue(id, T);
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
      const slow = new BullTaskQueue(stuck, { timeoutMs: 200 });
      await expect(slow.enqueue(randomUUID(), T)).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE', retryable: true });
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
