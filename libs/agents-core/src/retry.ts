import { OrchestratorError, TimeoutError } from '@agent-orchestrator/domain';

export interface CallPolicy {
  /** Deadline of one attempt. */
  timeoutMs: number;
  /** Further attempts after the first, for retryable failures only. */
  maxRetries: number;
  /** First backoff; doubles each attempt, with full jitter, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export const DEFAULT_CALL_POLICY: CallPolicy = { timeoutMs: 60_000, maxRetries: 2, baseDelayMs: 500, maxDelayMs: 20_000 };

/** Seconds or HTTP date from a `Retry-After` header on an SDK error, in ms. */
export function retryAfterMs(err: unknown): number | undefined {
  const headers = (err as { headers?: unknown } | null)?.headers;
  let value: string | null | undefined;
  if (headers && typeof (headers as Headers).get === 'function') value = (headers as Headers).get('retry-after');
  else if (headers && typeof headers === 'object') value = (headers as Record<string, string | undefined>)['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` with a deadline per try, retrying retryable failures with
 * exponential backoff and full jitter (or the server's Retry-After, when it
 * asks for longer). `classify` turns whatever was thrown into a typed error;
 * its `retryable` flag decides. The caller's `signal` (task deadline,
 * cancellation) stops everything at once.
 */
export async function callWithRetry<T>(
  what: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  classify: (err: unknown) => OrchestratorError,
  policy: CallPolicy,
  signal?: AbortSignal,
): Promise<T> {
  const base = policy.baseDelayMs ?? 500;
  const cap = policy.maxDelayMs ?? 20_000;
  for (let n = 0; ; n++) {
    if (signal?.aborted) throw new TimeoutError(`${what} was aborted before it started.`, { cause: signal.reason });
    const deadline = AbortSignal.timeout(policy.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      return await attempt(combined);
    } catch (err) {
      if (signal?.aborted) throw new TimeoutError(`${what} was aborted.`, { cause: err });
      const error = deadline.aborted ? new TimeoutError(`${what} timed out after ${policy.timeoutMs} ms.`, { cause: err }) : classify(err);
      if (!error.retryable || n >= policy.maxRetries) throw error;
      const backoff = Math.random() * Math.min(cap, base * 2 ** n);
      await sleep(Math.min(cap, Math.max(backoff, retryAfterMs(err) ?? 0)), signal).catch(() => undefined);
    }
  }
}
