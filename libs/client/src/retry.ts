/** Retry policy, backoff with jitter, `Retry-After` and an abortable sleep. No I/O of its own. */
import { AbortError } from './errors';

export interface RetryPolicy {
  /** Retries after the first attempt (0: never retry). Default 3. */
  retries: number;
  /** First backoff in ms; doubled each retry. Default 250. */
  baseDelayMs: number;
  /** Upper bound of one backoff, and of a `Retry-After` the client honours. Default 30 000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 3, baseDelayMs: 250, maxDelayMs: 30_000 };

/** "Full jitter" exponential backoff: a random delay in [0, min(max, base · 2^attempt)], attempt counting from 0. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * random());
}

/**
 * `Retry-After` in ms: delta-seconds (`120`) or an HTTP date; null when absent or unreadable.
 * Never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse would take "-1" as a year.
  if (!/^[A-Za-z]{3}, /.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The wait before retry number `attempt` (from 0): the server's `Retry-After` when it gave one (capped), else the backoff. */
export function retryDelay(attempt: number, policy: RetryPolicy, retryAfterMs: number | null, random?: () => number): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, policy.maxDelayMs);
  return backoffDelay(attempt, policy, random);
}

/** Resolves after `ms`, or rejects with AbortError as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError('Aborted.'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError('Aborted.'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
