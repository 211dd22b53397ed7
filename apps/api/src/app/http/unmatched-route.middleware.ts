import type { Request, RequestHandler } from 'express';
import { ErrorType, NotFoundError } from '@agent-orchestrator/domain';
import { ApiError } from './http-error';

/** The parts of the router's internal layers this module reads (Express 5 / router 2). */
interface LayerLike {
  match?: (path: string) => { path: string } | false;
  route?: { _methods?: () => string[] };
  handle?: { stack?: unknown };
}

function collectMethods(stack: unknown, path: string, into: Set<string>, depth: number): void {
  if (!Array.isArray(stack) || depth > 8) return;
  for (const layer of stack as LayerLike[]) {
    let matched: { path: string } | false = false;
    try {
      matched = typeof layer.match === 'function' ? layer.match(path) : false;
    } catch {
      // A parameter that is not valid URI encoding: no use guessing.
    }
    if (!matched) continue;
    if (layer.route) {
      for (const method of layer.route._methods?.() ?? []) into.add(method.toUpperCase());
    } else if (Array.isArray(layer.handle?.stack)) {
      // A mounted router: it sees the path without the part its mount point consumed.
      collectMethods(layer.handle.stack, path.slice(matched.path.length) || '/', into, depth + 1);
    }
  }
}

/**
 * The methods that have a route for `path` in the app, e.g. `['GET', 'HEAD']`.
 * Reads the router's layers (Express has no public API for it); the specs pin
 * the behaviour, so an Express upgrade that changes the internals shows up as
 * a failing test, and at worst turns 405s back into 404s.
 */
export function allowedMethods(req: Request): string[] {
  const methods = new Set<string>();
  collectMethods((req.app as { router?: { stack?: unknown } }).router?.stack, req.path, methods, 0);
  return [...methods].sort();
}

/** `Allow` for a path: its routes' methods plus OPTIONS, which `optionsHandler` answers for every known path. */
function allowHeader(methods: readonly string[]): string {
  return [...new Set([...methods, 'OPTIONS'])].sort().join(', ');
}

/**
 * Answers OPTIONS (that is not a CORS preflight; cors.middleware takes those)
 * for a known path with 204 and `Allow`, instead of Express's automatic
 * text/plain 200. Registered before the routes; unknown paths fall through to 404.
 */
export function optionsHandler(): RequestHandler {
  return function options(req, res, next) {
    if (req.method !== 'OPTIONS') return next();
    const methods = allowedMethods(req);
    if (methods.length === 0) return next();
    res.setHeader('Allow', allowHeader(methods));
    res.status(204).end();
  };
}

/**
 * Last route: the request matched nothing. A path that exists for other
 * methods is a 405 with `Allow`; any other path is a 404.
 */
export function unmatchedRouteHandler(): RequestHandler {
  return (req, _res, next) => {
    const methods = allowedMethods(req);
    if (methods.length === 0) return next(new NotFoundError('No route matches this method and path.'));
    const allow = allowHeader(methods);
    next(new ApiError(ErrorType.METHOD_NOT_ALLOWED, `${req.method} is not allowed on this path. Allowed: ${allow}.`, { headers: { Allow: allow } }));
  };
}
