/**
 * `POST /v1/tasks/{task_id}/retry`: a task that failed for a transient cause
 * (see isRetryableTaskError in libs/domain) goes back to `queued` and onto the
 * queue. Its history stays: the previous error moves to `retries`, `attempts`
 * keeps counting and the earlier agent runs stay in agent_runs.
 */
import { Router, type RequestHandler } from 'express';
import {
  API_VERSION,
  ErrorType,
  NotFoundError,
  PROCESS_TASK_JOB,
  RETRYABLE_TASK_ERROR_TYPES,
  ValidationError,
  isRetryableTaskError,
  isUuidV4,
  type Task,
} from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { QueueUnavailableError, type TaskQueue } from '@agent-orchestrator/messaging';
import type { Logger, TaskEventLog } from '@agent-orchestrator/observability';
import { ApiError } from '../http/http-error';
import { getRequestContext } from '../http/request-context';
import { storeError } from '../http/store-error';
import { presentRetry } from './task.presenter';

export const TASK_RETRY_PATH = '/v1/tasks/:task_id/retry';

export interface TaskRetryRouteDeps {
  tasks: Pick<TaskRepository, 'findById' | 'requeueFailed'>;
  /** Puts a fresh `process_task` job (job id = task id) on the queue; rejects when Redis is unreachable. */
  requeue: (taskId: string) => Promise<void>;
  now: () => Date;
  events: TaskEventLog;
  rateLimit: RequestHandler;
}

const NOT_STORED = 'The task could not be retried because the database is unavailable. Try again shortly.';

/** Bull job states that are finished: a job left in one of them would swallow a new job with the same id. */
const FINISHED_JOB_STATES = new Set(['completed', 'failed']);

/**
 * Enqueues the task again under its own id. Bull keeps finished jobs for a
 * while (removeOnComplete/removeOnFail), and `add` with the id of a kept job is
 * a no-op, so a finished job with that id is removed first. A waiting or
 * delayed job will run the task anyway; an active one is finishing the failed
 * attempt, and the reconciler enqueues the task once it is gone.
 */
export async function requeueTask(queue: TaskQueue, taskId: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`Re-enqueueing the task timed out after ${timeoutMs} ms: Redis is unreachable`)), timeoutMs);
  });
  const work = (async () => {
    const job = await queue.getJob(taskId);
    if (job) {
      const state = await job.getState();
      if (!FINISHED_JOB_STATES.has(state)) return;
      await job.remove();
    }
    await queue.add(PROCESS_TASK_JOB, { task_id: taskId }, { jobId: taskId });
  })();
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function conflict(task: Task): ApiError {
  if (task.status !== 'failed') {
    return new ApiError(ErrorType.CONFLICT, `Only failed tasks can be retried; this task is ${task.status}.`);
  }
  return new ApiError(
    ErrorType.CONFLICT,
    `This task failed with ${task.error?.type ?? 'no error type'}, which retrying would not fix (retryable: ${RETRYABLE_TASK_ERROR_TYPES.join(', ')}). Submit a new task instead.`,
  );
}

export function taskRetryRoutes({ tasks, requeue, now, events, rateLimit }: TaskRetryRouteDeps): Router {
  const router = Router();
  router.post(TASK_RETRY_PATH, rateLimit, async (req, res) => {
    const taskId = req.params['task_id'];
    if (!isUuidV4(taskId)) {
      throw new ValidationError('task_id must be a UUID v4.', [{ field: 'task_id', message: 'task_id must be a UUID v4' }]);
    }
    const id = taskId.toLowerCase();
    const { logger } = getRequestContext(res);
    let found: Task | null;
    try {
      found = await tasks.findById(id);
    } catch (err) {
      throw storeError(err, NOT_STORED);
    }
    if (!found) throw new NotFoundError(`No task with id ${taskId}.`);
    if (found.status !== 'failed' || !isRetryableTaskError(found.error)) throw conflict(found);

    let task: Task | null;
    try {
      task = await tasks.requeueFailed(id, { retryableTypes: RETRYABLE_TASK_ERROR_TYPES }, now());
    } catch (err) {
      throw storeError(err, NOT_STORED);
    }
    if (!task) {
      // Someone else moved it between the read and the update (another retry, most likely).
      const current = await tasks.findById(id).catch(() => null);
      throw current ? conflict(current) : new NotFoundError(`No task with id ${taskId}.`);
    }

    const enqueued = await requeueQuietly(requeue, task.task_id, logger);
    const previous = task.retries[task.retries.length - 1];
    events.emit({ task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id }, 'task.retried', {
      previous_error_type: previous?.error?.type ?? null,
      attempts: task.attempts,
      retries: task.retries.length,
      enqueued,
    });
    res
      .status(202)
      .location(`/v1/tasks/${task.task_id}`)
      .json({
        task_id: task.task_id,
        session_id: task.session_id,
        status: task.status,
        queued_at: task.queued_at.toISOString(),
        attempts: task.attempts,
        retries: task.retries.map(presentRetry),
        message: 'Task queued again.',
        api_version: API_VERSION,
      });
  });
  return router;
}

/** Like a new submission: once the task is back to queued, a Redis failure leaves it to the reconciler. */
async function requeueQuietly(requeue: (taskId: string) => Promise<void>, taskId: string, logger: Logger): Promise<boolean> {
  try {
    await requeue(taskId);
    return true;
  } catch (err) {
    logger.warn('retried task not enqueued; it stays queued for the reconciler', { task_id: taskId, err });
    return false;
  }
}
