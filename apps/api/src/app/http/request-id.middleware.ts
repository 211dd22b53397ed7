import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@agent-orchestrator/observability';
import { REQUEST_ID_HEADER, REQUEST_ID_PATTERN } from '@agent-orchestrator/api-contract';
import { setRequestContext } from './request-context';

/**
 * The caller's request id when it is safe to log and store (short, no spaces or
 * control characters), otherwise a fresh UUID.
 */
export function sanitizeRequestId(value: unknown, generate: () => string = randomUUID): string {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value) ? value : generate();
}

/** Assigns the request id, echoes it in `X-Request-Id` and binds it into a per-request child logger. */
export function requestIdMiddleware(logger: Logger): RequestHandler {
  return function requestId(req, res, next) {
    const requestId = sanitizeRequestId(req.get(REQUEST_ID_HEADER));
    res.setHeader(REQUEST_ID_HEADER, requestId);
    setRequestContext(res, { requestId, logger: logger.child({ request_id: requestId }) });
    next();
  };
}
