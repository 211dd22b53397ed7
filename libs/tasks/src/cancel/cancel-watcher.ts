/**
 * Tells running tasks that a client cancelled them. The API publishes each
 * cancel on the cancel channel (fast path, the `CancelListener` port); pub/sub
 * loses messages while a connection is down, so the watcher also re-reads the
 * watched tasks every `pollIntervalMs` (all of them in one read by primary key,
 * their status and cancel request only) and fires on a `cancel_requested_at`
 * (or a task that is already `cancelled`).
 */
import type { TaskRepository } from '@agent-orchestrator/persistence';
import type { CancelListener, CancelSubscription } from '../ports/cancel-channel.port';
import type { Logger } from '../ports/logger.port';

/** Subscribes a running task to its cancel request; returns the unsubscribe. */
export interface CancelWatch {
  watch(taskId: string, onCancel: () => void): () => void;
}

export interface CancelWatcherDeps {
  tasks: Pick<TaskRepository, 'cancelStates'>;
  pollIntervalMs: number;
  logger: Logger;
}

export class CancelWatcher implements CancelWatch {
  private readonly watched = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private subscription: CancelSubscription | undefined;

  constructor(private readonly deps: CancelWatcherDeps) {}

  /** Takes the fast path: every cancel the listener hears is passed to `notify`. */
  async listen(listener: CancelListener): Promise<void> {
    this.subscription = await listener.subscribe((taskId) => this.notify(taskId));
  }

  watch(taskId: string, onCancel: () => void): () => void {
    let callbacks = this.watched.get(taskId);
    if (!callbacks) this.watched.set(taskId, (callbacks = new Set()));
    callbacks.add(onCancel);
    this.timer ??= setInterval(() => void this.poll(), this.deps.pollIntervalMs).unref();
    return () => {
      callbacks.delete(onCancel);
      if (callbacks.size === 0) this.watched.delete(taskId);
      if (this.watched.size === 0) this.stopTimer();
    };
  }

  /** A cancel for `taskId` arrived (the pub/sub message): fire its watchers, if it runs here. */
  notify(taskId: string): void {
    for (const onCancel of [...(this.watched.get(taskId) ?? [])]) onCancel();
  }

  /** Reads the watched tasks once (one query); fires for those with a cancel request. */
  async poll(): Promise<void> {
    if (this.polling || this.watched.size === 0) return;
    this.polling = true;
    try {
      const ids = [...this.watched.keys()];
      try {
        for (const task of await this.deps.tasks.cancelStates(ids)) {
          if (task.cancel_requested_at !== null || task.status === 'cancelled') this.notify(task.task_id);
        }
      } catch (err) {
        for (const taskId of ids) {
          this.deps.logger.warn('could not check the task for a cancel request; trying again on the next poll', { task_id: taskId, error_message: (err as Error).message });
        }
      }
    } finally {
      this.polling = false;
    }
  }

  /** Stops polling and closes the listener's subscription. */
  async stop(): Promise<void> {
    this.stopTimer();
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
