// Abort helpers shared by every call that honours a caller's AbortSignal (task deadline, cancellation).
import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';

/**
 * The error to stop with once `signal` is aborted. A typed reason (the worker
 * may abort with its own TimeoutError) is kept; anything else becomes TIMEOUT,
 * as `toLlmError` does for aborted LLM calls.
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

/**
 * Settles with `promise`, or rejects as soon as `signal` aborts (the underlying call may run on),
 * with `onAbort(signal)` (default: the signal's reason).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: (signal: AbortSignal) => unknown = (s) => s.reason): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(onAbort(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      // The abandoned call may still fail later; keep that from becoming an unhandled rejection.
      promise.catch(() => undefined);
      reject(onAbort(signal));
    };
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(err);
      },
    );
  });
}
