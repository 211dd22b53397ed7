import { LlmError } from '@agent-orchestrator/domain';
import { CallLimiter } from './call-limiter';
import { callWithRetry } from './retry';

/** Lets resolved promises run their continuations. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CallLimiter', () => {
  it('admits at most maxConcurrent at once, the rest first come first served as slots free up', async () => {
    const limiter = new CallLimiter({ maxConcurrent: 2, perMinute: 0 });
    const started: number[] = [];
    const releases = new Map<number, () => void>();
    for (const n of [1, 2, 3, 4]) void limiter.acquire().then((release) => (started.push(n), releases.set(n, release)));
    await settle();
    expect(started).toEqual([1, 2]);
    expect(limiter.stats).toEqual({ active: 2, waiting: 2 });
    releases.get(2)?.();
    releases.get(2)?.(); // a second release gives nothing back
    await settle();
    expect(started).toEqual([1, 2, 3]);
    expect(limiter.stats).toEqual({ active: 2, waiting: 1 });
    releases.get(1)?.();
    await settle();
    expect(started).toEqual([1, 2, 3, 4]);
  });

  it('starts at most perMinute in any 60 s window, and the rest when the window moves', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['setImmediate'] });
    try {
      const limiter = new CallLimiter({ maxConcurrent: 0, perMinute: 3 });
      const startedAt: number[] = [];
      const take = () => void limiter.acquire().then((release) => (startedAt.push(Date.now()), release()));
      take();
      await settle();
      jest.advanceTimersByTime(10_000);
      take();
      take();
      take();
      take();
      await settle();
      expect(startedAt).toEqual([1_000_000, 1_010_000, 1_010_000]);
      expect(limiter.stats.waiting).toBe(2);
      // The first start leaves the window 60 s after it: one more may start then, not before.
      jest.advanceTimersByTime(49_999);
      await settle();
      expect(startedAt).toHaveLength(3);
      jest.advanceTimersByTime(1);
      await settle();
      expect(startedAt).toEqual([1_000_000, 1_010_000, 1_010_000, 1_060_000]);
      jest.advanceTimersByTime(10_000);
      await settle();
      expect(startedAt).toEqual([1_000_000, 1_010_000, 1_010_000, 1_060_000, 1_070_000]);
      expect(limiter.stats).toEqual({ active: 0, waiting: 0 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('lets a waiter whose signal aborts leave the queue with the signal reason, and the next one go', async () => {
    const limiter = new CallLimiter({ maxConcurrent: 1, perMinute: 0 });
    const first = await limiter.acquire();
    const cancel = new AbortController();
    const leaving = limiter.acquire(cancel.signal);
    const staying = limiter.acquire();
    cancel.abort(new Error('task cancelled'));
    await expect(leaving).rejects.toThrow('task cancelled');
    expect(limiter.stats).toEqual({ active: 1, waiting: 1 });
    first();
    const release = await staying;
    expect(limiter.stats).toEqual({ active: 1, waiting: 0 });
    release();
    await expect(limiter.acquire(cancel.signal)).rejects.toThrow('task cancelled');
  });

  it('refuses negative limits', () => {
    expect(() => new CallLimiter({ maxConcurrent: -1, perMinute: 0 })).toThrow(RangeError);
  });
});

describe('callWithRetry under a limiter', () => {
  const classify = (err: unknown) => (err instanceof LlmError ? err : new LlmError(String(err), { retryable: true }));

  it('holds one slot per attempt, none through the backoff, and counts every attempt', async () => {
    const limiter = new CallLimiter({ maxConcurrent: 1, perMinute: 0 });
    const seen: Array<{ active: number }> = [];
    let n = 0;
    const result = await callWithRetry(
      'call',
      async () => {
        seen.push({ active: limiter.stats.active });
        if (++n < 3) throw new LlmError('503', { retryable: true });
        return 'ok';
      },
      classify,
      { timeoutMs: 1000, maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2, limiter },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([{ active: 1 }, { active: 1 }, { active: 1 }]);
    expect(limiter.stats).toEqual({ active: 0, waiting: 0 });
  });

  it('waits for a slot without spending the attempt deadline, and gives up when the caller aborts', async () => {
    const limiter = new CallLimiter({ maxConcurrent: 1, perMinute: 0 });
    const policy = { timeoutMs: 30, maxRetries: 0, limiter };
    const holder = await limiter.acquire();
    // Waits longer than its own 30 ms deadline for the slot, then gets its full 30 ms.
    const waiting = callWithRetry('waiting call', () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 15)), classify, policy);
    await new Promise((resolve) => setTimeout(resolve, 60));
    holder();
    await expect(waiting).resolves.toBe('done');

    const blocker = await limiter.acquire();
    const caller = new AbortController();
    let attempted = false;
    const aborted = callWithRetry('cancelled call', async () => ((attempted = true), 'never'), classify, policy, caller.signal);
    caller.abort('cancelled');
    await expect(aborted).rejects.toMatchObject({ type: 'TIMEOUT', message: "cancelled call was aborted while waiting for the provider's limits." });
    expect(attempted).toBe(false);
    expect(limiter.stats).toEqual({ active: 1, waiting: 0 });
    blocker();
  });
});
