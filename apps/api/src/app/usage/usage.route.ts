import { Router, type RequestHandler } from 'express';
import { API_VERSION } from '@agent-orchestrator/domain';
import type { GetTenantUsage } from '@agent-orchestrator/tasks';
import { noQueryParams } from '../http/no-query-params';
import { principalOf } from '../http/request-context';

export const USAGE_PATH = '/v1/usage';

/**
 * `GET /v1/usage`: the caller's own tenant today (UTC): tokens and estimated cost, tasks created
 * today by their current status, its limits and tasks in flight. Only ever the caller's tenant.
 */
export function usageRoutes({ usage, rateLimit }: { usage: GetTenantUsage; rateLimit: RequestHandler }): Router {
  const router = Router();
  router.get(USAGE_PATH, rateLimit, noQueryParams(), async (_req, res) => {
    const view = await usage.execute(principalOf(res).tenantId);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ...view, day_start: view.day_start.toISOString(), api_version: API_VERSION });
  });
  return router;
}
