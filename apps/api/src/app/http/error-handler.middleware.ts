import type { ErrorRequestHandler } from 'express';
import { TenantLimitError } from '@agent-orchestrator/domain';
import { getRequestContext } from './request-context';
import { ApiError, RETRY_AFTER_SECONDS, errorBody, toHttpError } from './http-error';

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
    if (err instanceof TenantLimitError) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (err instanceof ApiError) for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
    res.status(httpError.status).json(errorBody(httpError, requestId));
  };
}
