import type { RequestHandler } from 'express';

export const CORS_ALLOWED_METHODS = 'GET, HEAD, POST, OPTIONS';
export const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-API-Key, X-Request-Id';
export const CORS_EXPOSED_HEADERS = 'X-Request-Id, Location, Retry-After, RateLimit-Policy, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Idempotent-Replayed';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for an exact list of origins (config validates them; no `*`). No
 * credentials mode: API keys travel in headers, which CORS allows explicitly,
 * and the API sets no cookies. An origin not on the list gets no CORS headers
 * at all, so browsers there cannot read responses. Every preflight is
 * answered here with 204 (before auth and rate limiting, since browsers send
 * preflights without credentials); only allowed origins get the headers that
 * make it succeed.
 */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins.map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean));
  return function cors(req, res, next) {
    const origin = req.get('Origin');
    const preflight = req.method === 'OPTIONS' && origin !== undefined && req.get('Access-Control-Request-Method') !== undefined;
    // Responses differ by Origin only when some origin is allowed; caches must know.
    if (allowed.size > 0) res.vary('Origin');
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      if (preflight) {
        res.setHeader('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS);
        res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
        res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      } else {
        res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
      }
    }
    if (preflight) {
      res.status(204).end();
      return;
    }
    next();
  };
}
