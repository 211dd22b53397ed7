import { Router } from 'express';
import { API_VERSION } from '@agent-orchestrator/domain';
import { RETRY_AFTER_SECONDS } from '../http/http-error';
import { noQueryParams } from '../http/no-query-params';

export type CheckStatus = 'ok' | 'down';

export interface HealthRouteDeps {
  /** Resolves truthy when MongoDB answers. */
  pingMongo: () => Promise<unknown>;
  /** Resolves truthy when Redis answers. */
  pingRedis: () => Promise<unknown>;
  /** A check that takes longer than this counts as down. */
  timeoutMs: number;
}

async function check(ping: () => Promise<unknown>, timeoutMs: number): Promise<CheckStatus> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return (await Promise.race([ping(), timeout])) ? 'ok' : 'down';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/healthz`: the process is up (liveness; touches no dependency).
 * `/readyz`: MongoDB and Redis both answer, so the API can accept tasks (readiness).
 */
export function healthRoutes({ pingMongo, pingRedis, timeoutMs }: HealthRouteDeps): Router {
  const router = Router();
  router.get('/healthz', noQueryParams(), (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok', api_version: API_VERSION });
  });
  router.get('/readyz', noQueryParams(), async (_req, res) => {
    const [mongodb, redis] = await Promise.all([check(pingMongo, timeoutMs), check(pingRedis, timeoutMs)]);
    const ready = mongodb === 'ok' && redis === 'ok';
    res.setHeader('Cache-Control', 'no-store');
    if (!ready) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: { mongodb, redis }, api_version: API_VERSION });
  });
  return router;
}
