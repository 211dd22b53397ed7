import { OrchestratorError, TimeoutError } from '@agent-orchestrator/domain';
import { abortError, abortable, backoffDelay, withRetry, type RetryPolicy } from './retry';

const policy = (random = 0.5): RetryPolicy => ({ retries: 2, baseDelayMs: 100, maxDelayMs: 300, random: () => random });

describe('backoffDelay', () => {
  it('grows exponentially with jitter in the upper half, capped', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy(0)))).toEqual([50, 100, 150, 150]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy(1)))).toEqual([100, 200, 300, 300]);
  });
});

describe('withRetry', () => {
  const fast: RetryPolicy = { retries: 2, baseDelayMs: 1, maxDelayMs: 1, random: () => 0 };
  const retryable = (err: unknown) => (err as { retryable?: boolean }).retryable === true;

  it('retries retryable failures a bounded number of times', async () => {
    const attempt = jest.fn(async () => {
      throw Object.assign(new Error('flaky'), { retryable: true });
    });
    await expect(withRetry(attempt, { policy: fast, what: 'x', isRetryable: retryable })).rejects.toThrow('flaky');
    expect(attempt).toHaveBeenCalledTimes(3);
  });

  it('does not retry other failures and returns the first success', async () => {
    const fatal = jest.fn(async () => {
      throw new Error('fatal');
    });
    await expect(withRetry(fatal, { policy: fast, what: 'x', isRetryable: retryable })).rejects.toThrow('fatal');
    expect(fatal).toHaveBeenCalledTimes(1);

    let n = 0;
    const onRetry = jest.fn();
    const value = await withRetry(
      async () => {
        if (n++ === 0) throw Object.assign(new Error('flaky'), { retryable: true });
        return 'ok';
      },
      { policy: fast, what: 'x', isRetryable: retryable, onRetry },
    );
    expect(value).toBe('ok');
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it('stops waiting for the backoff when aborted', async () => {
    const controller = new AbortController();
    const slow: RetryPolicy = { retries: 2, baseDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0 };
    const started = Date.now();
    const run = withRetry(
      async () => {
        throw Object.assign(new Error('flaky'), { retryable: true });
      },
      { policy: slow, signal: controller.signal, what: 'Web search', isRetryable: retryable },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toMatchObject({ type: 'TIMEOUT', message: expect.stringMatching(/^Web search was aborted/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('abort helpers', () => {
  it('rejects at once when the signal aborts, whatever the pending call does', async () => {
    const controller = new AbortController();
    const never = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 50));
    const p = abortable(never, controller.signal, 'Web search');
    controller.abort();
    await expect(p).rejects.toBeInstanceOf(OrchestratorError);
    await new Promise((r) => setTimeout(r, 80)); // the late rejection must not go unhandled
  });

  it('keeps a typed abort reason', () => {
    const controller = new AbortController();
    const reason = new TimeoutError('task deadline passed');
    controller.abort(reason);
    expect(abortError(controller.signal, 'x')).toBe(reason);
  });
});
