import type { RequestHandler } from 'express';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'Content-Type, X-Request-Id';
const EXPOSED_HEADERS = 'X-Request-Id, Location, Retry-After, RateLimit-Policy, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for an exact list of origins (no wildcards, no credentials). With an
 * empty list the API sends no CORS headers at all, so browsers on other
 * origins cannot call it. Preflight requests are answered here with 204.
 */
export function corsMiddleware(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins.map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean));
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    res.vary('Origin');
    const origin = req.get('Origin');
    const preflight = req.method === 'OPTIONS' && req.get('Access-Control-Request-Method') !== undefined;
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      if (preflight) {
        res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
        res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
        res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
      } else {
        res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      }
    }
    if (preflight) {
      res.status(204).end();
      return;
    }
    next();
  };
}
