/**
 * A client's retry: a task that failed for a transient cause (isRetryableTaskError in the domain)
 * goes back to `queued` and onto the queue. Its history stays: the previous error moves to
 * `retries`, `attempts` keeps counting and the earlier agent runs stay.
 */
import { ConflictError, NotFoundError, RETRYABLE_TASK_ERROR_TYPES, isRetryableTaskError, type Task } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import type { TaskLifecycle } from '../lifecycle/task-lifecycle';
import type { Logger } from '../ports/logger.port';
import type { JobState, TaskQueue } from '../ports/task-queue.port';
import { within } from '../support/deadline';
import { fromStore } from '../support/store-error';
import { findOwnTask } from '../tenancy/own-task';

export interface RetryTaskDeps {
  tasks: Pick<TaskRepository, 'findById'>;
  lifecycle: Pick<TaskLifecycle, 'retryThen'>;
  queue: Pick<TaskQueue, 'jobState' | 'remove' | 'enqueue'>;
  /** How long putting the task back on the queue may take before it is left to the reconciler. */
  requeueTimeoutMs: number;
}

const NOT_STORED = 'The task could not be retried because the database is unavailable. Try again shortly.';

/** Job states that are finished: a job kept in one of them would swallow a new job with the same id. */
const FINISHED_JOB_STATES: ReadonlySet<JobState> = new Set<JobState>(['completed', 'failed']);

function conflict(task: Task): ConflictError {
  if (task.status !== 'failed') return new ConflictError(`Only failed tasks can be retried; this task is ${task.status}.`);
  return new ConflictError(
    `This task failed with ${task.error?.type ?? 'no error type'}, which retrying would not fix (retryable: ${RETRYABLE_TASK_ERROR_TYPES.join(', ')}). Submit a new task instead.`,
  );
}

export class RetryTask {
  constructor(private readonly deps: RetryTaskDeps) {}

  /** The task, queued again. @throws ValidationError, NotFoundError, ConflictError (not failed, or not for a transient cause) */
  async execute(taskId: unknown, logger: Pick<Logger, 'warn'>, tenantId: string): Promise<Task> {
    const { tasks, lifecycle } = this.deps;
    // Another tenant's task: not found, and nothing changes.
    const found = await findOwnTask(tasks, taskId, tenantId, NOT_STORED);
    const id = found.task_id;
    if (found.status !== 'failed' || !isRetryableTaskError(found.error)) throw conflict(found);

    const task = await fromStore(
      () =>
        lifecycle.retryThen(id, RETRYABLE_TASK_ERROR_TYPES, async (moved) => {
          const previous = moved.retries[moved.retries.length - 1];
          const figures = { previous_error_type: previous?.error?.type ?? null, attempts: moved.attempts, retries: moved.retries.length };
          return { ...figures, enqueued: await this.requeueQuietly(moved, logger) };
        }),
      NOT_STORED,
    );
    if (!task) {
      // Someone else moved it between the read and the update (another retry, most likely).
      const current = await tasks.findById(id).catch(() => null);
      throw current ? conflict(current) : new NotFoundError(`No task with id ${String(taskId)}.`);
    }
    return task;
  }

  /** Like a new submission: once the task is back to queued, a queue failure leaves it to the reconciler. */
  private async requeueQuietly(task: Task, logger: Pick<Logger, 'warn'>): Promise<boolean> {
    try {
      await within(this.deps.requeueTimeoutMs, () => this.requeue(task));
      return true;
    } catch (err) {
      logger.warn('retried task not enqueued; it stays queued for the reconciler', { task_id: task.task_id, err });
      return false;
    }
  }

  /**
   * Enqueues the task again under its own id. The queue keeps finished jobs for a while, and an
   * enqueue with the id of a kept job is a no-op, so a finished job is removed first. A waiting or
   * delayed job will run the task anyway; an active one is finishing the failed attempt, and the
   * reconciler enqueues the task once it is gone.
   */
  private async requeue(task: Task): Promise<void> {
    const { queue } = this.deps;
    const taskId = task.task_id;
    const state = await queue.jobState(taskId);
    if (state !== 'missing') {
      if (!FINISHED_JOB_STATES.has(state)) return;
      await queue.remove(taskId);
    }
    // A retry queues like a new task of its tenant: behind the tenant's own backlog, fairly among the others.
    await queue.enqueue(taskId, { tenant: task.tenant_id });
  }
}
