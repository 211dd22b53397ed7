import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { ErrorType, NotFoundError } from '@agent-orchestrator/domain';
import { METRICS_PATH, exposition, type MetricsRegistry } from '@agent-orchestrator/observability';
import { ApiError } from '../http/http-error';

export const METRICS_REALM = 'Bearer realm="agent-orchestrator-metrics"';
export const METRICS_DISABLED_MESSAGE = 'Metrics are turned off on this deployment (METRICS_ENABLED=false).';
export const METRICS_TOKEN_MESSAGE = 'This endpoint needs the metrics token: send "Authorization: Bearer <METRICS_TOKEN>".';

const BEARER = /^Bearer +([^\s]+) *$/i;
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Compares the presented bearer token with the configured one in constant time (both hashed first, so lengths never leak). */
function tokenGuard(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const presented = BEARER.exec(req.get('Authorization') ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return next();
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
 * protect it with METRICS_TOKEN or by network when the API is public.
 */
export function metricsRoutes({ registry, enabled, token }: MetricsRouteDeps): Router {
  const router = Router();
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
