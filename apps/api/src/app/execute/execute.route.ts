import { Router, type RequestHandler } from 'express';
import { API_VERSION } from '@agent-orchestrator/domain';
import { jsonBody } from '../http/json-body.middleware';
import { getRequestContext } from '../http/request-context';
import { validateBody } from '../http/validate-body';
import type { AcceptTaskService } from './accept-task.service';
import type { ExecuteTaskDtoClass } from './execute-task.dto';

export const EXECUTE_PATH = '/v1/agent/execute';
const USER_AGENT_MAX_LENGTH = 512;

export interface ExecuteRouteDeps {
  acceptTask: AcceptTaskService;
  dto: ExecuteTaskDtoClass;
  bodyLimitBytes: number;
  rateLimit: RequestHandler;
}

/** `POST /v1/agent/execute`: validate, store, enqueue, answer 202 with where to poll. */
export function executeRoutes({ acceptTask, dto, bodyLimitBytes, rateLimit }: ExecuteRouteDeps): Router {
  const router = Router();
  router.post(EXECUTE_PATH, rateLimit, ...jsonBody(bodyLimitBytes), async (req, res) => {
    const input = await validateBody(dto, req.body);
    const { requestId, logger, apiKeyId } = getRequestContext(res);
    const task = await acceptTask.accept(
      input,
      {
        ip: req.ip ?? null,
        user_agent: req.get('User-Agent')?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
        request_id: requestId,
        ...(apiKeyId === undefined ? {} : { api_key_id: apiKeyId }),
      },
      logger,
    );
    res
      .status(202)
      .location(`/v1/tasks/${task.task_id}`)
      .json({
        task_id: task.task_id,
        session_id: task.session_id,
        status: task.status,
        queued_at: task.queued_at.toISOString(),
        message: 'Task accepted and queued.',
        api_version: API_VERSION,
      });
  });
  return router;
}
