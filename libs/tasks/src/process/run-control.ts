/**
 * The stop control of one running task: whichever of a client's cancel, the
 * task's deadline or the worker's shutdown comes first aborts the run's signal
 * (passed into every router and agent call) and decides how the task ends.
 */
import { OrchestratorError, TaskCancelledError, TimeoutError } from '@agent-orchestrator/domain';
import type { CancelWatch } from '../cancel/cancel-watcher';

/** Why a running task was stopped before it finished on its own. */
export type StopReason = 'deadline' | 'cancelled' | 'shutdown';

/**
 * Thrown out of the job when the worker abandons a task at shutdown, so the queue never records the job as
 * completed: the task stays `processing` for the stalled-job check (or the reconciler) to hand over.
 */
export class TaskAbandonedError extends OrchestratorError {
  constructor() {
    super('INTERNAL_ERROR', 'The worker shut down before the task finished; it is left for another worker.', { retryable: true });
  }
}

export function deadlineError(timeoutMs: number, cause: unknown): TimeoutError {
  return new TimeoutError(`The task did not finish within its deadline of ${timeoutMs} ms.`, { cause });
}

export class RunControl {
  private readonly controller = new AbortController();
  private reason: StopReason | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly unwatch: () => void;
  private readonly onShutdown = () => this.stop('shutdown');

  /** Watches before the pickup, so a cancel published in between is not missed. */
  constructor(
    taskId: string,
    private readonly options: { timeoutMs: number; cancellation?: CancelWatch; shutdown?: AbortSignal },
  ) {
    this.unwatch = options.cancellation?.watch(taskId, () => this.stop('cancelled')) ?? (() => undefined);
    options.shutdown?.addEventListener('abort', this.onShutdown, { once: true });
  }

  /** Goes into every router and agent call. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): StopReason | null {
    return this.reason;
  }

  /** After the pickup: a cancel already requested or a shutdown already begun stops the run; the deadline starts. */
  started(cancelRequested: boolean): void {
    if (cancelRequested) this.stop('cancelled');
    if (this.options.shutdown?.aborted) this.stop('shutdown');
    this.timer = setTimeout(() => this.stop('deadline'), this.options.timeoutMs);
  }

  stop(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller.abort(reason);
  }

  /** The error a stop turns `cause` into, or null when the run was not stopped. */
  stopError(cause: unknown): OrchestratorError | null {
    if (this.reason === 'cancelled') return new TaskCancelledError();
    if (this.reason === 'shutdown') return new TaskAbandonedError();
    if (this.reason === 'deadline') return deadlineError(this.options.timeoutMs, cause);
    return null;
  }

  /** Between steps: a stop that arrived while the last step ran ends the task here. */
  checkpoint(): void {
    const e = this.stopError(undefined);
    if (e) throw e;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.unwatch();
    this.options.shutdown?.removeEventListener('abort', this.onShutdown);
  }
}
