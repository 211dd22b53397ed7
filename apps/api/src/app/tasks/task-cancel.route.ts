/**
 * `POST /v1/tasks/{task_id}/cancel`: a queued task ends as `cancelled` at once
 * (200) and its job is dropped; a processing task gets `cancel_requested_at`
 * and the workers are told, and it ends as `cancelled` at its next step (202).
 * Asking again is harmless (same answers); a task that already completed or
 * failed cannot be cancelled (409 CONFLICT). The use case: CancelTask.
 */
import { Router, type RequestHandler } from 'express';
import { API_VERSION } from '@agent-orchestrator/domain';
import type { CancelTask } from '@agent-orchestrator/tasks';
import { presentTask } from './task.presenter';
import { principalOf } from '../http/request-context';

export const TASK_CANCEL_PATH = '/v1/tasks/:task_id/cancel';

export function taskCancelRoutes({ cancelTask, rateLimit }: { cancelTask: CancelTask; rateLimit: RequestHandler }): Router {
  const router = Router();
  router.post(TASK_CANCEL_PATH, rateLimit, async (req, res) => {
    const task = await cancelTask.execute(req.params['task_id'], principalOf(res).tenantId);
    res.status(task.status === 'cancelled' ? 200 : 202).json({ ...presentTask(task), api_version: API_VERSION });
  });
  return router;
}
