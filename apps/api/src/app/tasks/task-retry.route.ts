/**
 * `POST /v1/tasks/{task_id}/retry`: a task that failed for a transient cause
 * goes back to `queued` and onto the queue (the use case: RetryTask).
 */
import { Router, type RequestHandler } from 'express';
import type { RetryTask } from '@agent-orchestrator/tasks';
import { getRequestContext, principalOf } from '../http/request-context';
import { presentRetry, sendQueued } from './task.presenter';

export const TASK_RETRY_PATH = '/v1/tasks/:task_id/retry';

export function taskRetryRoutes({ retryTask, rateLimit }: { retryTask: RetryTask; rateLimit: RequestHandler }): Router {
  const router = Router();
  router.post(TASK_RETRY_PATH, rateLimit, async (req, res) => {
    const task = await retryTask.execute(req.params['task_id'], getRequestContext(res).logger, principalOf(res).tenantId);
    sendQueued(res, task, { attempts: task.attempts, retries: task.retries.map(presentRetry), message: 'Task queued again.' });
  });
  return router;
}
