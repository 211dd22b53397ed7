/**
 * When a webhook's next attempt is due after a retryable failure: exponential backoff with jitter,
 * for as long as the delivery may live (WEBHOOK_MAX_AGE_MS, 24 h by default). Attempt n (1-based)
 * failing gives a delay drawn uniformly from [base, min(cap, base * 2^(n-1))] ("full jitter" with
 * a floor, so no two retries follow each other at once). The last attempt is made at the deadline
 * itself, so the attempts span the whole period; one failing at or past it ends the delivery.
 */
export interface BackoffPolicy {
  /** First delay and floor of every delay (WEBHOOK_BACKOFF_BASE_MS). */
  baseMs: number;
  /** Largest delay (WEBHOOK_BACKOFF_MAX_MS). */
  maxDelayMs: number;
  /** How long after the task ended attempts may still be made (WEBHOOK_MAX_AGE_MS). */
  maxAgeMs: number;
}

/** The delay after attempt `attempt` (1-based) failed. `random` in [0, 1). */
export function backoffDelayMs(attempt: number, policy: Pick<BackoffPolicy, 'baseMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(n - 1, 52));
  const low = Math.min(policy.baseMs, ceiling);
  return Math.round(low + random() * (ceiling - low));
}

/**
 * A `Retry-After` header (seconds or an HTTP date) as a delay in ms, or null when absent or
 * unreadable. Honoured within [base, maxDelay] by `nextAttemptAt`.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/**
 * When the attempt after a retryable failure is due, or null when the delivery is out of time.
 * `createdAt`: when the delivery was recorded (the task's ending); `attempt`: the failed one (1-based).
 */
export function nextAttemptAt(
  input: { createdAt: Date; now: Date; attempt: number; retryAfterMs?: number | null },
  policy: BackoffPolicy,
  random: () => number = Math.random,
): Date | null {
  const deadline = input.createdAt.getTime() + policy.maxAgeMs;
  const now = input.now.getTime();
  if (now >= deadline) return null;
  const delay =
    input.retryAfterMs === null || input.retryAfterMs === undefined
      ? backoffDelayMs(input.attempt, policy, random)
      : Math.min(policy.maxDelayMs, Math.max(policy.baseMs, input.retryAfterMs));
  return new Date(Math.min(now + delay, deadline));
}
