import type { RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';
import type { Logger } from '@agent-orchestrator/platform';

export interface RateLimitOptions {
  /** Requests per client IP per minute; 0 disables limiting. */
  perMinute: number;
  /** Where hits are counted; the default in-memory store is per process. */
  store?: Store;
  logger: Logger;
}

/**
 * Per-IP rate limit with the standard `RateLimit-*` headers (and `Retry-After`
 * once limited); a limited request goes to the error handler as RATE_LIMITED.
 * If the store fails the request is let through: losing the limit for a while
 * is better than losing the API.
 */
export function rateLimitMiddleware({ perMinute, store, logger }: RateLimitOptions): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    passOnStoreError: true,
    ...(store ? { store } : {}),
    logger: {
      error: (err, message) => logger.error(message ?? 'rate limiter error', { err }),
      warn: (err, message) => logger.warn(message ?? 'rate limiter warning', { err }),
    },
    handler: (_req, _res, next) => {
      next(new OrchestratorError(ErrorType.RATE_LIMITED, 'Too many requests. Retry after the number of seconds in the Retry-After header.', { retryable: true }));
    },
  });
}
