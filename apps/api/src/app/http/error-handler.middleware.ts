import type { ErrorRequestHandler, RequestHandler } from 'express';
import { NotFoundError } from '@agent-orchestrator/domain';
import { getRequestContext } from './request-context';
import { RETRY_AFTER_SECONDS, errorBody, toHttpError } from './http-error';

/** Last route: anything that got here matched no route. */
export function notFoundHandler(): RequestHandler {
  return (_req, _res, next) => next(new NotFoundError('No route matches this method and path.'));
}

/** Answers every error in the one JSON error shape; server errors are logged, never echoed. */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    const { requestId, logger } = getRequestContext(res);
    const httpError = toHttpError(err);
    if (httpError.status >= 500) {
      logger.error('request failed', { error_type: httpError.type, err, cause: err instanceof Error ? err.cause : undefined });
    }
    if (res.headersSent) {
      // Too late for a JSON answer: let Express close the connection.
      next(err);
      return;
    }
    if (httpError.status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(httpError.status).json(errorBody(httpError, requestId));
  };
}
