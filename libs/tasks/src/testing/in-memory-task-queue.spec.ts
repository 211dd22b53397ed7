import { InMemoryTaskQueue } from './in-memory-task-queue';

const T = { tenant: 'default' };
const A = { tenant: 'a' };
const B = { tenant: 'b' };
const C = { tenant: 'c' };

/** A consumer that records the order jobs start in and holds each until `release`d, `concurrency` at a time. */
function holdingConsumer(queue: InMemoryTaskQueue, concurrency: number) {
  const held: Array<() => void> = [];
  const started: string[] = [];
  const consuming = queue.consume(
    ({ task_id }) =>
      new Promise<void>((resolve) => {
        started.push(task_id);
        held.push(resolve);
      }),
    { concurrency },
  );
  /** Lets the oldest running job finish, and waits until the queue started its successor. */
  const releaseOne = async () => {
    held.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { started, consuming, releaseOne };
}

describe('InMemoryTaskQueue', () => {
  it('keeps one job per task id and runs each once when the handler succeeds', async () => {
    const queue = new InMemoryTaskQueue();
    const seen: string[] = [];
    await queue.enqueue('a', T);
    await queue.enqueue('a', T);
    await queue.enqueue('b', T);
    await queue.consume(async ({ task_id }) => void seen.push(task_id), { concurrency: 2 });
    await queue.drained();
    expect(seen.sort()).toEqual(['a', 'b']);
    expect(await queue.counts()).toMatchObject({ completed: 2, waiting: 0, active: 0 });
    expect(await queue.jobState('a')).toBe('completed');
    expect(await queue.jobState('zzz')).toBe('missing');
  });

  it('delivers a job again after the handler throws, up to its attempts, and reports each failure', async () => {
    const queue = new InMemoryTaskQueue(2);
    const failures: { delivery: number; willRetry: boolean }[] = [];
    await queue.enqueue('a', T);
    await queue.consume(
      async () => {
        throw new Error('database down');
      },
      { concurrency: 1, onFailed: (f) => failures.push({ delivery: f.delivery, willRetry: f.willRetry }) },
    );
    await queue.drained();
    expect(failures).toEqual([
      { delivery: 1, willRetry: true },
      { delivery: 2, willRetry: false },
    ]);
    expect(await queue.jobState('a')).toBe('failed');
  });

  it('never runs more than `concurrency` jobs at once, and pause waits for the running ones', async () => {
    const queue = new InMemoryTaskQueue();
    let running = 0;
    let most = 0;
    for (const id of ['a', 'b', 'c', 'd', 'e']) await queue.enqueue(id, T);
    await queue.consume(
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        running -= 1;
      },
      { concurrency: 2 },
    );
    await queue.drained();
    expect(most).toBe(2);
    await queue.pause();
    await queue.enqueue('f', T);
    expect(await queue.jobState('f')).toBe('waiting');
  });

  it('will not remove a running job, and fails every call while unavailable', async () => {
    const queue = new InMemoryTaskQueue();
    let release!: () => void;
    await queue.enqueue('a', T);
    await queue.consume(() => new Promise<void>((r) => (release = r)), { concurrency: 1 });
    expect(await queue.remove('a')).toBe('locked');
    release();
    await queue.drained();
    expect(await queue.remove('a')).toBe('removed');
    expect(await queue.remove('a')).toBe('missing');
    queue.unavailable = true;
    await expect(queue.enqueue('b', T)).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE' });
  });

  describe('fair queuing between tenants', () => {
    it("starts a newcomer's task after at most one job of the backlogged tenant, whatever its backlog", async () => {
      const queue = new InMemoryTaskQueue();
      for (let i = 0; i < 1000; i++) await queue.enqueue(`a${i}`, A);
      const { started, consuming, releaseOne } = holdingConsumer(queue, 4);
      await consuming;
      expect(started).toEqual(['a0', 'a1', 'a2', 'a3']);
      await releaseOne();
      await releaseOne();
      // B arrives with a0..a5 started: its tag ties with a6 (the next of A), which arrived first.
      await queue.enqueue('b0', B);
      await releaseOne();
      await releaseOne();
      expect(started.slice(6)).toEqual(['a6', 'b0']);
    });

    it('takes backlogged tenants in turns, and keeps each tenant first in, first out', async () => {
      const queue = new InMemoryTaskQueue();
      for (let i = 0; i < 4; i++) await queue.enqueue(`a${i}`, A);
      for (let i = 0; i < 2; i++) await queue.enqueue(`b${i}`, B);
      await queue.enqueue('c0', C);
      await queue.enqueue('a4', A);
      const { started, consuming, releaseOne } = holdingConsumer(queue, 1);
      await consuming;
      for (let i = 0; i < 8; i++) await releaseOne();
      expect(started).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'a2', 'a3', 'a4']);
    });

    it('gives a tenant alone every free slot, and an idle tenant saves up no credit', async () => {
      const queue = new InMemoryTaskQueue();
      for (let i = 0; i < 6; i++) await queue.enqueue(`a${i}`, A);
      const { started, consuming, releaseOne } = holdingConsumer(queue, 3);
      await consuming;
      expect(started).toEqual(['a0', 'a1', 'a2']);
      for (let i = 0; i < 6; i++) await releaseOne();
      expect(started).toHaveLength(6);
      // Both idle now; B's earlier silence does not put its new tasks ahead of A's next ones.
      await queue.pause();
      await queue.enqueue('a6', A);
      await queue.enqueue('b0', B);
      await queue.enqueue('b1', B);
      await queue.enqueue('a7', A);
      const second = holdingConsumer(queue, 1);
      await second.consuming;
      for (let i = 0; i < 4; i++) await second.releaseOne();
      // Tags: a6 7, b0 7, b1 8, a7 8 (ties first in, first out). With credit saved up, B's two would have come first.
      expect(second.started).toEqual(['a6', 'b0', 'b1', 'a7']);
    });

    it("runs a redelivered job before its tenant's backlog (it keeps its tag), and reports the backlog per tenant", async () => {
      const queue = new InMemoryTaskQueue();
      for (let i = 0; i < 3; i++) await queue.enqueue(`a${i}`, A);
      await queue.enqueue('b0', B);
      expect(queue.tenantBacklog()).toEqual([
        { tenant: 'a', waiting: 3 },
        { tenant: 'b', waiting: 1 },
      ]);
      let failedOnce = false;
      const seen: string[] = [];
      await queue.consume(
        async ({ task_id }) => {
          seen.push(task_id);
          if (task_id === 'a0' && !failedOnce) {
            failedOnce = true;
            throw new Error('transient');
          }
        },
        { concurrency: 1 },
      );
      await queue.drained();
      // a0 keeps its tag (1): ahead of A's backlog, behind b0, which got the same tag and was waiting first.
      expect(seen).toEqual(['a0', 'b0', 'a0', 'a1', 'a2']);
      expect(queue.tenantBacklog()).toEqual([]);
    });

    it('is first in, first out with fair queuing off', async () => {
      const queue = new InMemoryTaskQueue({ fair: false });
      for (let i = 0; i < 3; i++) await queue.enqueue(`a${i}`, A);
      await queue.enqueue('b0', B);
      const { started, consuming, releaseOne } = holdingConsumer(queue, 1);
      await consuming;
      for (let i = 0; i < 4; i++) await releaseOne();
      expect(started).toEqual(['a0', 'a1', 'a2', 'b0']);
    });
  });
});
