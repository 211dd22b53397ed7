import type { Request, RequestHandler } from 'express';
import { getRequestContext } from './request-context';

/** Logged instead of the raw path for requests that matched no route, so ids and junk never reach the logs. */
export const UNMATCHED_ROUTE = '(unmatched)';

/** The route template (`/v1/tasks/:task_id`), never the raw URL. Routes are registered with full paths. */
export function routeTemplate(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : UNMATCHED_ROUTE;
}

/** One log line per request when the response is finished (or the client went away). No bodies, no headers, no secrets. */
export function requestLogMiddleware(): RequestHandler {
  return function requestLog(req, res, next) {
    const started = process.hrtime.bigint();
    let logged = false;
    const log = (): void => {
      if (logged) return;
      logged = true;
      const status = res.statusCode;
      const route = routeTemplate(req);
      // Client errors are the client's business; only server errors are worth an alert.
      const level = status >= 500 ? 'error' : 'info';
      const context = getRequestContext(res);
      context.logger.log(level, `${req.method} ${route} ${status}`, {
        method: req.method,
        route,
        status_code: status,
        duration_ms: Math.round(Number(process.hrtime.bigint() - started) / 10_000) / 100,
        ip: req.ip ?? null,
        // The key's id, never its secret; null when the request used none (or a wrong one).
        api_key_id: context.apiKeyId ?? null,
        ...(res.writableFinished ? {} : { aborted: true }),
      });
    };
    res.once('finish', log);
    res.once('close', log);
    next();
  };
}
