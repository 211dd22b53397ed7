import { Router, type RequestHandler } from 'express';
import { API_VERSION } from '@agent-orchestrator/domain';
import type { ListAgents } from '@agent-orchestrator/tasks';
import { noQueryParams } from '../http/no-query-params';

export const AGENTS_PATH = '/v1/agents';

/**
 * `GET /v1/agents`: the agents the live workers registered (ListAgents). With
 * no live worker the list is empty; when Redis cannot be read it is a 503.
 */
export function agentsRoutes({ listAgents, rateLimit }: { listAgents: ListAgents; rateLimit: RequestHandler }): Router {
  const router = Router();
  router.get(AGENTS_PATH, rateLimit, noQueryParams(), async (_req, res) => {
    const data = await listAgents.execute();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ data, api_version: API_VERSION });
  });
  return router;
}
