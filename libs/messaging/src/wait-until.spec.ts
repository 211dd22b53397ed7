import { waitUntil } from './wait-until';

describe('waitUntil', () => {
  it('resolves true as soon as the check passes', async () => {
    let calls = 0;
    await expect(waitUntil(async () => ++calls === 3, { timeoutMs: 1000, intervalMs: 1 })).resolves.toBe(true);
    expect(calls).toBe(3);
  });

  it('resolves false after the timeout, treating a throwing check as not yet', async () => {
    const started = Date.now();
    await expect(waitUntil(() => Promise.reject(new Error('ECONNREFUSED')), { timeoutMs: 50, intervalMs: 10 })).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
