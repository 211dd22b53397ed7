import type { Express } from 'express';

/** The parts of the router's layers this reads (Express 5 / router 2); unmatched-route.middleware.ts reads the same. */
interface LayerLike {
  route?: { path?: unknown; methods?: Record<string, boolean | undefined> };
  handle?: { stack?: unknown };
  /** True for a layer mounted at `/` without `end` (`app.use(router)`). */
  slash?: boolean;
  rawPath?: unknown;
}

/**
 * Every route registered in the app, as `METHOD /path` in OpenAPI form
 * (`GET /v1/tasks/{task_id}`); HEAD, which Express answers for every GET, is
 * left out. Routes are registered with full paths in routers mounted at the
 * root (see request-log.middleware.ts); a router mounted anywhere else would
 * make those paths wrong, so it is an error here.
 */
export function registeredRoutes(app: Express): string[] {
  const routes = new Set<string>();
  const walk = (stack: unknown, depth: number): void => {
    if (!Array.isArray(stack) || depth > 8) return;
    for (const layer of stack as LayerLike[]) {
      if (layer.route) {
        const path = layer.route.path;
        if (typeof path !== 'string') throw new Error(`a route with a non-string path: ${String(path)}`);
        for (const [method, on] of Object.entries(layer.route.methods ?? {})) {
          if (on && method !== '_all') routes.add(`${method.toUpperCase()} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        if (!layer.slash) throw new Error(`a router mounted at ${String(layer.rawPath)}: mount routers at the root and register full paths`);
        walk(layer.handle.stack, depth + 1);
      }
    }
  };
  walk((app as unknown as { router?: { stack?: unknown } }).router?.stack, 0);
  return [...routes].sort();
}
