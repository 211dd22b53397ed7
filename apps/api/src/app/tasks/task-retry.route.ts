/**
 * `POST /v1/tasks/{task_id}/retry`: a task that failed for a transient cause
 * goes back to `queued` and onto the queue (the use case: RetryTask).
 */
import { Router, type RequestHandler } from 'express';
import { API_VERSION } from '@agent-orchestrator/domain';
import type { RetryTask } from '@agent-orchestrator/tasks';
import { getRequestContext } from '../http/request-context';
import { presentRetry } from './task.presenter';

export const TASK_RETRY_PATH = '/v1/tasks/:task_id/retry';

export function taskRetryRoutes({ retryTask, rateLimit }: { retryTask: RetryTask; rateLimit: RequestHandler }): Router {
  const router = Router();
  router.post(TASK_RETRY_PATH, rateLimit, async (req, res) => {
    const task = await retryTask.execute(req.params['task_id'], getRequestContext(res).logger);
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
