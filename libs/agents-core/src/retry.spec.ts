import { LlmError, OrchestratorError, SearchError } from '@agent-orchestrator/domain';
import { abortError } from './abort';
import { backoffDelay, callWithRetry, retryAfterMs, type CallPolicy } from './retry';

const classify = (err: unknown) => (err instanceof OrchestratorError ? err : new LlmError(String(err), { retryable: true }));
const fast = { timeoutMs: 1000, maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 };

describe('callWithRetry', () => {
  it('retries retryable failures until one succeeds', async () => {
    let n = 0;
    const result = await callWithRetry('call', async () => (++n < 3 ? Promise.reject(new LlmError('503', { retryable: true })) : 'ok'), classify, fast);
    expect(result).toBe('ok');
    expect(n).toBe(3);
  });

  it('does not retry permanent failures', async () => {
    let n = 0;
    await expect(callWithRetry('call', async () => Promise.reject(new LlmError('401', { retryable: false, cause: ++n })), classify, fast)).rejects.toMatchObject({ type: 'LLM_ERROR', message: '401' });
    expect(n).toBe(1);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    let n = 0;
    await expect(callWithRetry('call', async () => Promise.reject(new LlmError(`fail ${++n}`, { retryable: true })), classify, { ...fast, maxRetries: 2 })).rejects.toThrow('fail 3');
  });

  it('turns a slow attempt into TIMEOUT and passes the attempt signal', async () => {
    let aborted = false;
    const hang = (signal: AbortSignal) =>
      new Promise<string>((_, reject) =>
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('connection error'));
        }),
      );
    await expect(callWithRetry('slow call', hang, classify, { timeoutMs: 50, maxRetries: 0 })).rejects.toMatchObject({ type: 'TIMEOUT', message: 'slow call timed out after 50 ms.' });
    expect(aborted).toBe(true);
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    const controller = new AbortController();
    let n = 0;
    const p = callWithRetry(
      'call',
      (signal) => {
        n++;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      classify,
      { timeoutMs: 10_000, maxRetries: 5 },
      controller.signal,
    );
    setTimeout(() => controller.abort(), 20);
    await expect(p).rejects.toMatchObject({ type: 'TIMEOUT' });
    expect(n).toBe(1);
  });
});

describe('backoffDelay', () => {
  const policy = (jitter: CallPolicy['jitter'], random: number): CallPolicy => ({ maxRetries: 2, baseDelayMs: 100, maxDelayMs: 300, jitter, random: () => random });

  it('full jitter: anywhere from 0 to the exponential backoff, capped', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy('full', 0)))).toEqual([0, 0, 0, 0]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy(undefined, 0.5)))).toEqual([50, 100, 150, 150]);
  });

  it('equal jitter: in the upper half of the backoff, capped', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy('equal', 0)))).toEqual([50, 100, 150, 150]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy('equal', 1)))).toEqual([100, 200, 300, 300]);
  });

  it('waits at least the Retry-After, within the cap', () => {
    expect(backoffDelay(0, policy('equal', 0), 250)).toBe(250);
    expect(backoffDelay(0, policy('equal', 0), 10_000)).toBe(300);
  });
});

describe('callWithRetry hooks and abort handling (the shape ContentAgent uses for web search)', () => {
  const fast: CallPolicy = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1, jitter: 'equal', random: () => 0 };
  const asSearch = (err: unknown) => (err instanceof OrchestratorError ? err : new SearchError(String(err)));

  it('reports each retry with its delay and throws the typed error as is', async () => {
    const original = new SearchError('Tavily answered 503', { retryable: true });
    const onRetry = jest.fn();
    const attempt = jest.fn(async () => Promise.reject(original));
    await expect(callWithRetry('Web search', attempt, asSearch, fast, undefined, { onRetry })).rejects.toBe(original);
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(onRetry.mock.calls).toEqual([
      [original, 1, 1],
      [original, 2, 1],
    ]);
  });

  it('without a deadline of its own, hands the caller signal itself to the attempt', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    await callWithRetry('x', async (signal) => (seen = signal), asSearch, fast, controller.signal);
    expect(seen).toBe(controller.signal);
  });

  it('stops waiting for the backoff when aborted', async () => {
    const controller = new AbortController();
    const slow: CallPolicy = { maxRetries: 2, baseDelayMs: 60_000, maxDelayMs: 60_000, jitter: 'equal', random: () => 0 };
    const started = Date.now();
    const run = callWithRetry('Web search', async () => Promise.reject(new SearchError('flaky', { retryable: true })), asSearch, slow, controller.signal, { abortError });
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toMatchObject({ type: 'TIMEOUT', message: expect.stringMatching(/^Web search was aborted/) });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects at once when the signal aborts, whatever the pending attempt does', async () => {
    const controller = new AbortController();
    const late = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('late')), 50));
    const run = callWithRetry('Web search', late, asSearch, fast, controller.signal, { abortError });
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(OrchestratorError);
    await new Promise((r) => setTimeout(r, 80)); // the late rejection must not go unhandled
  });

  it('with abortError, keeps a typed abort reason', async () => {
    const controller = new AbortController();
    const reason = new LlmError('task deadline passed');
    controller.abort(reason);
    await expect(callWithRetry('x', async () => 'never', asSearch, fast, controller.signal, { abortError })).rejects.toBe(reason);
    await expect(callWithRetry('x', async () => 'never', asSearch, fast, controller.signal)).rejects.toMatchObject({ type: 'TIMEOUT', message: 'x was aborted before it started.' });
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and dates from headers of either shape', () => {
    expect(retryAfterMs({ headers: new Headers({ 'retry-after': '2' }) })).toBe(2000);
    expect(retryAfterMs({ headers: { 'retry-after': '0.5' } })).toBe(500);
    const inFuture = new Date(Date.now() + 10_000).toUTCString();
    expect(retryAfterMs({ headers: { 'retry-after': inFuture } })).toBeGreaterThan(8000);
    expect(retryAfterMs({})).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
