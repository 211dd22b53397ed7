import express, { type RequestHandler } from 'express';
import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';

/**
 * Strict JSON body parsing for one route: 415 unless the body is declared
 * `application/json`, 413 over `limitBytes`, 400 for malformed JSON or a
 * top-level value that is not an object or array.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (req.is('application/json')) return next();
    next(new OrchestratorError(ErrorType.UNSUPPORTED_MEDIA_TYPE, 'The request body must be JSON sent with Content-Type: application/json.'));
  };
  return [requireJson, express.json({ limit: limitBytes, strict: true, type: 'application/json' })];
}
