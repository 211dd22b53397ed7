/**
 * A client's cancel: a queued task ends as `cancelled` at once and its job is dropped; a
 * processing task gets `cancel_requested_at` and the workers are told, and it ends as `cancelled`
 * at its next step. Asking again is harmless (same outcome); a task that already completed or
 * failed cannot be cancelled (ConflictError).
 */
import { ConflictError, NotFoundError, type Task } from '@agent-orchestrator/domain';
import { subjectOf, type TaskLifecycle } from '../lifecycle/task-lifecycle';
import type { CancelChannel } from '../ports/cancel-channel.port';
import type { Logger } from '../ports/logger.port';
import type { TaskQueue } from '../ports/task-queue.port';
import { bestEffort } from '../support/deadline';
import { storeError } from '../support/store-error';
import { findOwnTask } from '../tenancy/own-task';
import type { TaskRepository } from '@agent-orchestrator/persistence';

/** How long the best-effort queue and channel calls (drop the job, tell the workers) may take; the answer never waits longer. */
export const CANCEL_BEST_EFFORT_MS = 1000;

export interface CancelTaskDeps {
  lifecycle: Pick<TaskLifecycle, 'requestCancel'>;
  /** Where the tenant check reads the task before anything changes. */
  tasks: Pick<TaskRepository, 'findById'>;
  queue: Pick<TaskQueue, 'remove'>;
  cancels: CancelChannel;
  logger: Logger;
  bestEffortMs?: number;
}

export class CancelTask {
  constructor(private readonly deps: CancelTaskDeps) {}

  /** The task after the cancel: `cancelled`, or still `processing` with `cancel_requested_at`. @throws ValidationError, NotFoundError, ConflictError */
  async execute(taskId: unknown, tenantId: string): Promise<Task> {
    const { lifecycle, queue, cancels, logger } = this.deps;
    const ms = this.deps.bestEffortMs ?? CANCEL_BEST_EFFORT_MS;
    // Another tenant's task: not found, and nothing changes (a task never changes tenant, so the check holds for the update).
    const { task_id: id } = await findOwnTask(this.deps.tasks, taskId, tenantId, 'The task could not be cancelled because the database is unavailable. Try again shortly.');
    let outcome;
    try {
      outcome = await lifecycle.requestCancel(id, { previous_status: 'queued' });
    } catch (err) {
      throw storeError(err, 'The task could not be cancelled because the database is unavailable. Try again shortly.');
    }
    if (!outcome) throw new NotFoundError(`No task with id ${String(taskId)}.`);
    const { change, task } = outcome;
    if (task.status === 'completed' || task.status === 'failed') {
      throw new ConflictError(`The task already ${task.status === 'completed' ? 'completed' : 'failed'}; only a queued or processing task can be cancelled.`);
    }
    if (change === 'cancelled') {
      // The worker skips a cancelled task anyway; dropping the job only saves it the trip.
      await bestEffort(() => queue.remove(task.task_id), ms, 'drop the job of a cancelled task', logger, task.task_id);
    } else if (task.status === 'processing') {
      // `task.cancelled` comes from the worker once the task really stopped.
      if (change === 'requested') logger.info('task cancel requested', { ...subjectOf(task) });
      // Also on a repeated request: the first message may have been missed. Workers poll as well.
      await bestEffort(() => cancels.publish(task.task_id), ms, 'tell the workers about a cancel', logger, task.task_id);
    }
    return task;
  }
}
