import { Router, type RequestHandler } from 'express';
import { jsonBody } from '../http/json-body.middleware';
import { getRequestContext, principalOf } from '../http/request-context';
import { validateBody } from '../http/validate-body';
import { bodyHash, idempotencyKeyHash, type AcceptTask, type IdempotentSubmission } from '@agent-orchestrator/tasks';
import type { ExecuteTaskDtoClass } from './execute-task.dto';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from '@agent-orchestrator/api-contract';
import { parseIdempotencyKey } from './idempotency-key.header';
import { sendQueued } from '../tasks/task.presenter';

export const EXECUTE_PATH = '/v1/agent/execute';
const USER_AGENT_MAX_LENGTH = 512;

export interface ExecuteRouteDeps {
  acceptTask: AcceptTask;
  dto: ExecuteTaskDtoClass;
  bodyLimitBytes: number;
  rateLimit: RequestHandler;
  /** Handles requests that carry an Idempotency-Key. */
  idempotency: IdempotentSubmission;
}

/**
 * `POST /v1/agent/execute`: validate, store, enqueue, answer 202 with where to poll. With an
 * Idempotency-Key, a repeat of an earlier request answers with that request's task (its current
 * status) and `Idempotent-Replayed: true`.
 */
export function executeRoutes({ acceptTask, dto, bodyLimitBytes, rateLimit, idempotency }: ExecuteRouteDeps): Router {
  const router = Router();
  router.post(EXECUTE_PATH, rateLimit, ...jsonBody(bodyLimitBytes), async function executeTask(req, res) {
    const idempotencyKey = parseIdempotencyKey(req.get(IDEMPOTENCY_KEY_HEADER));
    const input = await validateBody(dto, req.body);
    const { requestId, logger, apiKeyId } = getRequestContext(res);
    const { tenantId } = principalOf(res);
    const origin = {
      ip: req.ip ?? null,
      user_agent: req.get('User-Agent')?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
      request_id: requestId,
      ...(apiKeyId === undefined ? {} : { api_key_id: apiKeyId }),
    };
    const { task, replayed } =
      idempotencyKey === undefined
        ? { task: await acceptTask.execute(input, origin, logger, { tenantId }), replayed: false }
        : await idempotency.submit(
            // Keys are the tenant's: every key of the tenant shares them, other tenants never meet them.
            { keyHash: idempotencyKeyHash(idempotencyKey, tenantId), bodyHash: bodyHash(input) },
            (taskId) => acceptTask.execute(input, origin, logger, { taskId, tenantId }),
            logger,
          );
    if (replayed) res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    sendQueued(res, task, { message: replayed ? `Task already accepted for this ${IDEMPOTENCY_KEY_HEADER}.` : 'Task accepted and queued.' });
  });
  return router;
}
