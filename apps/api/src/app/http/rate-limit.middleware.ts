import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';
import type { Logger } from '@agent-orchestrator/observability';
import { getRequestContext } from './request-context';
import { RateLimitStoreError } from './rate-limit.store';

export interface RateLimitOptions {
  /** Requests per minute of a request without a recognised key (per client IP); 0: unlimited. */
  perMinute: number;
  /**
   * Requests per minute of a tenant (TENANT_LIMITS, else `perMinute`), shared by every key of that
   * tenant; 0: unlimited. Without it a tenant gets `perMinute`.
   */
  perMinuteOfTenant?: (tenantId: string) => number;
  /** Where hits are counted (Redis in production, shared by every API process); the default in-memory store is per process. */
  store?: Store;
  logger: Logger;
  /** How often at most the "store unavailable" warning is logged. Default one minute. */
  warnEveryMs?: number;
  now?: () => number;
}

export const FAIL_OPEN_WARNING = 'rate limiting is off: its Redis store is unavailable, so requests are let through unlimited';
const COUNTED = 'rateLimitCounted';

/**
 * What a request is counted against: the tenant of the API key it authenticated with (every key of
 * a tenant shares one budget), else its client IP (as Express resolves it under TRUST_PROXY; IPv6
 * by /56, so one host cannot dodge the limit by rotating addresses). An open API (no keys) counts
 * per IP.
 */
export function rateLimitKey(req: Request, res: Response): string {
  const principal = getRequestContext(res).principal;
  if (principal && principal.apiKeyId !== null) return `tenant:${principal.tenantId}`;
  return `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
}

/**
 * The rate limit, with the standard `RateLimit-*` headers (IETF draft 6) and
 * `Retry-After` once limited; a limited request goes to the error handler as
 * RATE_LIMITED (429). Using the same handler twice on one request counts it
 * once, so it can guard `/v1` as a whole and single routes as well.
 *
 * Fails open: when the store cannot answer, the request goes through unlimited
 * and a warning is logged (at most once per `warnEveryMs`). Losing the limit
 * for a while is better than losing the API, whose reads need only MongoDB.
 */
export function rateLimitMiddleware({ perMinute, perMinuteOfTenant, store, logger, warnEveryMs = 60_000, now = Date.now }: RateLimitOptions): RequestHandler {
  if (perMinute <= 0 && perMinuteOfTenant === undefined) return (_req, _res, next) => next();
  const limitOf = (res: Response): number => {
    const principal = getRequestContext(res).principal;
    return principal && perMinuteOfTenant ? perMinuteOfTenant(principal.tenantId) : perMinute;
  };
  let lastWarning = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  const storeFailed = (err: RateLimitStoreError): void => {
    if (now() - lastWarning < warnEveryMs) {
      suppressed += 1;
      return;
    }
    logger.warn(FAIL_OPEN_WARNING, { err: err.cause, ...(suppressed > 0 ? { suppressed_warnings: suppressed } : {}) });
    lastWarning = now();
    suppressed = 0;
  };

  const limiter = rateLimit({
    windowMs: 60_000,
    limit: (_req, res) => limitOf(res),
    // A limit of 0 is no limit (nothing counted either).
    skip: (_req, res) => limitOf(res) <= 0,
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    passOnStoreError: true,
    keyGenerator: rateLimitKey,
    ...(store ? { store } : {}),
    logger: {
      error: (err, message) => (err instanceof RateLimitStoreError ? storeFailed(err) : logger.error(message ?? 'rate limiter error', { err })),
      warn: (err, message) => logger.warn(message ?? 'rate limiter warning', { err }),
    },
    handler: (_req, _res, next) => {
      next(new OrchestratorError(ErrorType.RATE_LIMITED, 'Too many requests. Retry after the number of seconds in the Retry-After header.', { retryable: true }));
    },
  });
  return function rateLimitOnce(req, res, next) {
    if (res.locals[COUNTED] === true) return next();
    res.locals[COUNTED] = true;
    void limiter(req, res, next);
  };
}
