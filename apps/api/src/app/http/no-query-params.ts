import type { RequestHandler } from 'express';
import { ValidationError } from '@agent-orchestrator/domain';

/**
 * For endpoints that take no query parameters: a parameter a client expects to
 * work (say `?tz=Europe/Paris`) is a 400 naming it, not silently ignored.
 */
export function noQueryParams(): RequestHandler {
  return (req, _res, next) => {
    const names = Object.keys((req.query ?? {}) as Record<string, unknown>);
    if (names.length === 0) return next();
    next(
      new ValidationError(
        'This endpoint takes no query parameters.',
        names.map((field) => ({ field, message: 'unknown query parameter' })),
      ),
    );
  };
}
