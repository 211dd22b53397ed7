import { Router, type RequestHandler } from 'express';
import { noQueryParams } from '../http/no-query-params';
import { getRequestContext } from '../http/request-context';
import type { GetSystemMetrics } from '@agent-orchestrator/tasks';
import { SYSTEM_METRICS_PATH } from '@agent-orchestrator/api-contract';

export interface SystemRouteDeps {
  metrics: GetSystemMetrics;
  rateLimit: RequestHandler;
}

/** `GET /v1/system/metrics`: always 200 with what could be computed; `health` names what is down. */
export function systemRoutes({ metrics, rateLimit }: SystemRouteDeps): Router {
  const router = Router();
  router.get(SYSTEM_METRICS_PATH, rateLimit, noQueryParams(), async (_req, res) => {
    const view = await metrics.execute(getRequestContext(res).logger);
    res.setHeader('Cache-Control', 'no-store');
    res.json(view);
  });
  return router;
}
