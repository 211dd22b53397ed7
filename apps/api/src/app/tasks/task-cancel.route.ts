/**
 * `POST /v1/tasks/{task_id}/cancel`: a queued task ends as `cancelled` at once
 * (200) and its job is dropped; a processing task gets `cancel_requested_at`
 * and the workers are told, and it ends as `cancelled` at its next step (202).
 * Asking again is harmless (same answers); a task that already completed or
 * failed cannot be cancelled (409 CONFLICT).
 */
import { Router, type RequestHandler } from 'express';
import { API_VERSION, ErrorType, NotFoundError, ValidationError, isUuidV4 } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { publishTaskCancel, type TaskQueue } from '@agent-orchestrator/messaging';
import type { Logger, TaskEventLog } from '@agent-orchestrator/observability';
import { ApiError } from '../http/http-error';
import { storeError } from '../http/store-error';
import { presentTask } from './task.presenter';

export const TASK_CANCEL_PATH = '/v1/tasks/:task_id/cancel';

/** How long the best-effort Redis calls (drop the job, tell the workers) may take; the answer never waits longer. */
const REDIS_BEST_EFFORT_MS = 1000;

export interface TaskCancelRouteDeps {
  tasks: Pick<TaskRepository, 'requestCancel'>;
  queue: Pick<TaskQueue, 'getJob' | 'client'>;
  events: TaskEventLog;
  logger: Logger;
  rateLimit: RequestHandler;
  now: () => Date;
}

export function taskCancelRoutes({ tasks, queue, events, logger, rateLimit, now }: TaskCancelRouteDeps): Router {
  const router = Router();
  router.post(TASK_CANCEL_PATH, rateLimit, async (req, res) => {
    const taskId = req.params['task_id'];
    if (!isUuidV4(taskId)) {
      throw new ValidationError('task_id must be a UUID v4.', [{ field: 'task_id', message: 'task_id must be a UUID v4' }]);
    }
    let outcome;
    try {
      outcome = await tasks.requestCancel(taskId.toLowerCase(), now());
    } catch (err) {
      throw storeError(err, 'The task could not be cancelled because the database is unavailable. Try again shortly.');
    }
    if (!outcome) throw new NotFoundError(`No task with id ${taskId}.`);
    const { change, task } = outcome;
    if (task.status === 'completed' || task.status === 'failed') {
      throw new ApiError(ErrorType.CONFLICT, `The task already ${task.status === 'completed' ? 'completed' : 'failed'}; only a queued or processing task can be cancelled.`);
    }
    const subject = { task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id };
    if (change === 'cancelled') {
      events.emit(subject, 'task.cancelled', { previous_status: 'queued' });
      // The worker skips a cancelled task anyway; dropping the job only saves it the trip.
      await bestEffort(async () => {
        const job = await queue.getJob(task.task_id);
        await job?.remove();
      }, 'drop the job of a cancelled task', logger, task.task_id);
    } else if (task.status === 'processing') {
      // `task.cancelled` comes from the worker once the task really stopped.
      if (change === 'requested') logger.info('task cancel requested', subject);
      // Also on a repeated request: the first message may have been missed. Workers poll as well.
      await bestEffort(() => publishTaskCancel(queue.client, task.task_id), 'tell the workers about a cancel', logger, task.task_id);
    }
    res.status(task.status === 'cancelled' ? 200 : 202).json({ ...presentTask(task), api_version: API_VERSION });
  });
  return router;
}

async function bestEffort(work: () => Promise<unknown>, what: string, logger: Logger, taskId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, REDIS_BEST_EFFORT_MS)));
  try {
    await Promise.race([work(), late]);
  } catch (err) {
    logger.warn(`could not ${what}; ignored`, { task_id: taskId, error_message: err instanceof Error ? err.message : String(err) });
  } finally {
    clearTimeout(timer);
  }
}
