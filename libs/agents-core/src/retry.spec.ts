import { LlmError, OrchestratorError } from '@agent-orchestrator/domain';
import { callWithRetry, retryAfterMs } from './retry';

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
