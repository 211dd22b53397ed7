import { backoffDelayMs, nextAttemptAt, parseRetryAfter, type BackoffPolicy } from './backoff';

const HOUR = 3_600_000;
const policy: BackoffPolicy = { baseMs: 5000, maxDelayMs: HOUR, maxAgeMs: 24 * HOUR };

/** The times of every attempt of a delivery that always fails, with `random` for the jitter. */
function schedule(random: () => number): number[] {
  const created = new Date(0);
  const times = [0];
  let now = new Date(0);
  for (let attempt = 1; attempt < 100_000; attempt++) {
    const next = nextAttemptAt({ createdAt: created, now, attempt }, policy, random);
    if (next === null) return times;
    times.push(next.getTime());
    now = next;
  }
  throw new Error('never ends');
}

describe('webhook backoff', () => {
  it('grows exponentially from the base up to the cap, jittered within [base, ceiling]', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0.999999))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([5000, 5000, 5000, 5000]);
    expect(backoffDelayMs(30, policy, () => 0.999999)).toBeGreaterThan(HOUR - 10);
    expect(backoffDelayMs(30, policy, () => 0.999999)).toBeLessThanOrEqual(HOUR);
    for (let n = 1; n < 40; n++) {
      for (const r of [0, 0.25, 0.5, 0.75, 0.999]) {
        const d = backoffDelayMs(n, policy, () => r);
        expect(d).toBeGreaterThanOrEqual(policy.baseMs);
        expect(d).toBeLessThanOrEqual(Math.min(HOUR, policy.baseMs * 2 ** (n - 1)));
      }
    }
  });

  it('keeps trying for the whole 24 hours, the last attempt at the deadline, whatever the jitter', () => {
    for (const random of [() => 0, () => 0.5, () => 0.999999, Math.random]) {
      const times = schedule(random);
      expect(times[times.length - 1]).toBe(24 * HOUR);
      // Strictly later each time, never more than the cap apart.
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!).toBeGreaterThan(0);
        expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(HOUR);
      }
    }
    // With the largest delays: 5 s, 10 s ... 1 h, then hourly: about 35 attempts.
    expect(schedule(() => 0.999999).length).toBeLessThan(40);
  });

  it('ends once the deadline has passed', () => {
    expect(nextAttemptAt({ createdAt: new Date(0), now: new Date(24 * HOUR), attempt: 30 }, policy)).toBeNull();
  });

  it('honours Retry-After within [base, cap]', () => {
    const now = new Date(Date.UTC(2026, 0, 1));
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now.getTime() + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    const at = (retryAfterMs: number) => nextAttemptAt({ createdAt: now, now, attempt: 1, retryAfterMs }, policy)!.getTime() - now.getTime();
    expect(at(120_000)).toBe(120_000);
    expect(at(0)).toBe(policy.baseMs);
    expect(at(10 * HOUR)).toBe(HOUR);
  });
});
