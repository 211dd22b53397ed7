import type { RequestHandler } from 'express';
import { METRICS_PATH, type HttpMetrics } from '@agent-orchestrator/observability';
import { routeTemplate } from '../http/request-log.middleware';

/**
 * Counts and times every response under its route template
 * (`/v1/tasks/:task_id`, `(unmatched)` for no route), never the raw path, so
 * ids never become label values. Scrapes of /metrics are left out: they would
 * outnumber real traffic and say nothing about it.
 */
export function httpMetricsMiddleware(metrics: HttpMetrics): RequestHandler {
  return function httpMetrics(req, res, next) {
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      const route = routeTemplate(req);
      if (route === METRICS_PATH) return;
      metrics.observe({ method: req.method, route, status: res.statusCode, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
