// Bounded, abort-aware retries for web search calls.
import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Source of jitter in [0, 1); injectable so tests are deterministic. */
  random: () => number;
}

export const DEFAULT_SEARCH_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 300, maxDelayMs: 3_000, random: Math.random };

/** Delay before retry number `retry` (0-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.round(ceiling / 2 + policy.random() * (ceiling / 2));
}

/**
 * The error to stop with once `signal` is aborted. A typed reason (the worker
 * may abort with its own TimeoutError) is kept; anything else becomes TIMEOUT,
 * as agents-core's `toLlmError` does for aborted LLM calls.
 */
export function abortError(signal: AbortSignal, what: string): OrchestratorError {
  const reason: unknown = signal.reason;
  if (reason instanceof OrchestratorError) return reason;
  const detail = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : '';
  return new OrchestratorError(ErrorType.TIMEOUT, `${what} was aborted${detail ? `: ${detail}` : '.'}`, { cause: reason });
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/** Settles with `promise`, or rejects as soon as `signal` aborts (the underlying call may run on). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      // The abandoned call may still fail later; keep that from becoming an unhandled rejection.
      promise.catch(() => undefined);
      reject(abortError(signal, what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return abortable(
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => clearTimeout(timer), { once: true });
    }),
    signal,
    what,
  );
}

export interface RetryOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** What is being retried, for abort messages. */
  what: string;
  isRetryable: (err: unknown) => boolean;
  onRetry?: (err: unknown, retry: number, delayMs: number) => void;
}

/** Runs `attempt` until it succeeds, fails for good, runs out of retries, or `signal` aborts. */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal, what } = options;
  for (let n = 0; ; n++) {
    throwIfAborted(signal, what);
    try {
      return await abortable(attempt(n), signal, what);
    } catch (err) {
      if (signal?.aborted) throw abortError(signal, what);
      if (n >= policy.retries || !options.isRetryable(err)) throw err;
      const delay = backoffDelay(n, policy);
      options.onRetry?.(err, n + 1, delay);
      await sleep(delay, signal, what);
    }
  }
}
