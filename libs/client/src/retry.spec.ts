import { AbortError } from './errors';
import { backoffDelay, parseRetryAfter, retryDelay, sleep } from './retry';

const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoff and Retry-After', () => {
  it('backs off exponentially with full jitter, capped by maxDelayMs', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, policy, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(200);
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect([parseRetryAfter('soon', now), parseRetryAfter(null, now), parseRetryAfter(undefined, now), parseRetryAfter('-1', now)]).toEqual([null, null, null, null]);
  });

  it('waits what the server asked (capped), else the backoff', () => {
    expect(retryDelay(0, policy, 700, () => 1)).toBe(700);
    expect(retryDelay(0, policy, 60_000, () => 1)).toBe(1000);
    expect(retryDelay(1, policy, null, () => 1)).toBe(200);
  });

  it('sleeps, and stops sleeping when the signal fires', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const controller = new AbortController();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(sleep(10, controller.signal)).rejects.toBeInstanceOf(AbortError);
  });
});
