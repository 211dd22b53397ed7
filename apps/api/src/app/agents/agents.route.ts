import { Router, type RequestHandler } from 'express';
import { API_VERSION, ErrorType } from '@agent-orchestrator/domain';
import { ApiError } from '../http/http-error';
import { noQueryParams } from '../http/no-query-params';
import { agentCatalog } from './agent-catalog';
import type { WorkerDirectory } from './worker-directory';

export const AGENTS_PATH = '/v1/agents';

export interface AgentsRouteDeps {
  workers: WorkerDirectory;
  rateLimit: RequestHandler;
}

/**
 * `GET /v1/agents`: the agents the live workers registered (see
 * @agent-orchestrator/messaging live-workers). The API never guesses: with
 * no live worker the list is empty; when Redis cannot be read it is a 503.
 */
export function agentsRoutes({ workers, rateLimit }: AgentsRouteDeps): Router {
  const router = Router();
  router.get(AGENTS_PATH, rateLimit, noQueryParams(), async (_req, res) => {
    let live;
    try {
      live = await workers.listLive();
    } catch (err) {
      throw new ApiError(ErrorType.SERVICE_UNAVAILABLE, 'The agent list could not be read because Redis is unavailable. Try again shortly.', {
        cause: err,
        retryable: true,
      });
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({ data: agentCatalog(live), api_version: API_VERSION });
  });
  return router;
}
