import { InMemoryTaskQueue } from './in-memory-task-queue';

describe('InMemoryTaskQueue', () => {
  it('keeps one job per task id and runs each once when the handler succeeds', async () => {
    const queue = new InMemoryTaskQueue();
    const seen: string[] = [];
    await queue.enqueue('a');
    await queue.enqueue('a');
    await queue.enqueue('b');
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
    await queue.enqueue('a');
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
    for (const id of ['a', 'b', 'c', 'd', 'e']) await queue.enqueue(id);
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
    await queue.enqueue('f');
    expect(await queue.jobState('f')).toBe('waiting');
  });

  it('will not remove a running job, and fails every call while unavailable', async () => {
    const queue = new InMemoryTaskQueue();
    let release!: () => void;
    await queue.enqueue('a');
    await queue.consume(() => new Promise<void>((r) => (release = r)), { concurrency: 1 });
    expect(await queue.remove('a')).toBe('locked');
    release();
    await queue.drained();
    expect(await queue.remove('a')).toBe('removed');
    expect(await queue.remove('a')).toBe('missing');
    queue.unavailable = true;
    await expect(queue.enqueue('b')).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE' });
  });
});
