import express, { type RequestHandler } from 'express';
import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Strict JSON body parsing for one route: 415 unless the body is declared
 * `application/json`, 413 over `limitBytes`, 400 for malformed JSON or a
 * top-level value that is not an object or array.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      return next(new OrchestratorError(ErrorType.UNSUPPORTED_MEDIA_TYPE, 'The request body must be JSON sent with Content-Type: application/json.'));
    }
    // The body parser would decode UTF-16/32 too; JSON on the wire is UTF-8 (RFC 8259), so anything else is refused.
    const charset = CHARSET.exec(req.get('Content-Type') ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return next(new OrchestratorError(ErrorType.UNSUPPORTED_MEDIA_TYPE, 'The request body must be UTF-8 encoded JSON.'));
    }
    next();
  };
  // The body parser reads (and discards) an oversized body to its end before it reports the error,
  // so a declared 50 MB body would be received in full before the 413. A Content-Length over the
  // limit is refused at once instead, and the connection closed so the rest is never read.
  const refuseDeclaredOversize: RequestHandler = (req, res, next) => {
    const declared = Number(req.get('Content-Length'));
    if (!Number.isFinite(declared) || declared <= limitBytes) return next();
    res.setHeader('Connection', 'close');
    next(new OrchestratorError(ErrorType.PAYLOAD_TOO_LARGE, 'The request body is too large.'));
  };
  return [requireJson, refuseDeclaredOversize, express.json({ limit: limitBytes, strict: true, type: 'application/json' })];
}
