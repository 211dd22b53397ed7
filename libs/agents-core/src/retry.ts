// The one retry engine: LLM calls (invokeText / invokeStructured) and agents' own calls (ContentAgent's web search).
import { OrchestratorError, TimeoutError } from '@agent-orchestrator/domain';
import { abortable } from './abort';
import type { CallLimiter, Release } from './call-limiter';

export interface CallPolicy {
  /** Deadline of one attempt. Unset: no deadline of its own (the caller's signal still bounds it). */
  timeoutMs?: number;
  /** Further attempts after the first, for retryable failures only. */
  maxRetries: number;
  /** First backoff; doubles each attempt, capped at maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** `full` (default): a delay anywhere from 0 to the backoff; `equal`: half of it fixed, half random. */
  jitter?: 'full' | 'equal';
  /** Source of jitter in [0, 1), default Math.random; injectable so tests are deterministic. */
  random?: () => number;
  /**
   * The provider's limits (LLM_MAX_CONCURRENCY, LLM_RPM), shared by every call to it in the process:
   * each attempt waits for a slot first, outside its own deadline; the caller's signal ends the wait.
   */
  limiter?: CallLimiter;
}

export const DEFAULT_CALL_POLICY: CallPolicy = { timeoutMs: 60_000, maxRetries: 2, baseDelayMs: 500, maxDelayMs: 20_000 };

export interface RetryHooks {
  /** Before each wait: the failure, the retry about to happen (1 for the first) and the delay. */
  onRetry?: (error: OrchestratorError, retry: number, delayMs: number) => void;
  /**
   * The error to stop with when the caller's signal aborts. Default: a TimeoutError
   * `<what> was aborted.` whatever the reason; `abortError` keeps a typed reason instead.
   */
  abortError?: (signal: AbortSignal, what: string) => OrchestratorError;
}

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

/**
 * Delay before retry number `retry` (0-based): exponential from baseDelayMs, capped at maxDelayMs,
 * jittered per `policy.jitter`; never shorter than the server's Retry-After (`retryAfter`, ms), within the cap.
 */
export function backoffDelay(retry: number, policy: CallPolicy, retryAfter?: number): number {
  const base = policy.baseDelayMs ?? 500;
  const cap = policy.maxDelayMs ?? 20_000;
  const random = policy.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** retry);
  const backoff = policy.jitter === 'equal' ? Math.round(ceiling / 2 + random() * (ceiling / 2)) : random() * ceiling;
  return Math.min(cap, Math.max(backoff, retryAfter ?? 0));
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

/** Handed to an attempt when there is neither a caller's signal nor a deadline. */
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs `attempt` with a deadline per try (when the policy sets one), retrying
 * retryable failures with exponential backoff and jitter (or the server's
 * Retry-After, when it asks for longer). `classify` turns whatever was thrown
 * into a typed error; its `retryable` flag decides, and it is what is thrown in
 * the end. The caller's `signal` (task deadline, cancellation) stops everything
 * at once, even an attempt that does not honour its signal.
 */
export async function callWithRetry<T>(
  what: string,
  attempt: (signal: AbortSignal) => Promise<T>,
  classify: (err: unknown) => OrchestratorError,
  policy: CallPolicy,
  signal?: AbortSignal,
  hooks: RetryHooks = {},
): Promise<T> {
  const aborted = (message: string, cause: unknown): OrchestratorError =>
    signal && hooks.abortError ? hooks.abortError(signal, what) : new TimeoutError(message, { cause });
  for (let n = 0; ; n++) {
    if (signal?.aborted) throw aborted(`${what} was aborted before it started.`, signal.reason);
    let release: Release | undefined;
    if (policy.limiter && !policy.limiter.unlimited) {
      try {
        release = await policy.limiter.acquire(signal);
      } catch (err) {
        throw aborted(`${what} was aborted while waiting for the provider's limits.`, err);
      }
    }
    const deadline = policy.timeoutMs === undefined ? undefined : AbortSignal.timeout(policy.timeoutMs);
    const combined = signal && deadline ? AbortSignal.any([signal, deadline]) : (signal ?? deadline);
    try {
      return await abortable(attempt(combined ?? NEVER_ABORTED), combined);
    } catch (err) {
      release?.(); // no slot held through the backoff
      if (signal?.aborted) throw aborted(`${what} was aborted.`, err);
      const error = deadline?.aborted ? new TimeoutError(`${what} timed out after ${policy.timeoutMs} ms.`, { cause: err }) : classify(err);
      if (!error.retryable || n >= policy.maxRetries) throw error;
      const delay = backoffDelay(n, policy, retryAfterMs(err));
      hooks.onRetry?.(error, n + 1, delay);
      await sleep(delay, signal).catch(() => undefined);
    } finally {
      release?.();
    }
  }
}
