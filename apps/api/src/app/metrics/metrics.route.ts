import { Router, type RequestHandler } from 'express';
import { ErrorType, NotFoundError } from '@agent-orchestrator/domain';
import { METRICS_PATH, METRICS_REALM, METRICS_TOKEN_MESSAGE, exposition, metricsTokenCheck, type MetricsRegistry } from '@agent-orchestrator/observability';
import { ApiError } from '../http/http-error';

export { METRICS_REALM, METRICS_TOKEN_MESSAGE };
export const METRICS_DISABLED_MESSAGE = 'Metrics are turned off on this deployment (METRICS_ENABLED=false).';

/** Lets a scrape through only with `Authorization: Bearer <METRICS_TOKEN>` (constant-time check shared with the worker's listener). */
function tokenGuard(token: string): RequestHandler {
  const authorized = metricsTokenCheck(token);
  return (req, _res, next) => {
    if (authorized(req.get('Authorization'))) return next();
    next(new ApiError(ErrorType.UNAUTHORIZED, METRICS_TOKEN_MESSAGE, { headers: { 'WWW-Authenticate': METRICS_REALM } }));
  };
}

export interface MetricsRouteDeps {
  registry: MetricsRegistry;
  /** METRICS_ENABLED: when false the path answers 404. */
  enabled: boolean;
  /** METRICS_TOKEN: when set, scrapes must present it as a bearer token. */
  token: string | undefined;
}

/**
 * `GET /metrics`: the Prometheus text exposition of this API process. Outside
 * /v1: no API key and no rate limit (Prometheus scrapes on its own schedule);
 * protect it with METRICS_TOKEN and by network when the API is public (the AWS
 * stacks answer 404 for it at the load balancer and admit scrapes only from
 * inside the VPC).
 */
export function metricsRoutes({ registry, enabled, token }: MetricsRouteDeps): Router {
  // Exactly `/metrics`: not `/METRICS` nor `/metrics/` (Express matches both by default), so the load balancer's
  // path rule for /metrics (infra, case-sensitive like every ALB path pattern) covers every path served here.
  const router = Router({ caseSensitive: true, strict: true });
  const guards: RequestHandler[] = [];
  if (!enabled) guards.push((_req, _res, next) => next(new NotFoundError(METRICS_DISABLED_MESSAGE)));
  if (token !== undefined) guards.push(tokenGuard(token));
  router.get(METRICS_PATH, ...guards, async (_req, res) => {
    const { contentType, body } = await exposition(registry);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', contentType);
    res.send(body);
  });
  return router;
}
