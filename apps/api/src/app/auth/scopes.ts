/**
 * Which scope each /v1 route needs, in one table, checked by one middleware after authentication:
 * a valid key without it gets 403 FORBIDDEN naming the scope (a missing or wrong key is 401 before).
 *
 * - POST /v1/agent/execute                        → tasks:submit
 * - POST /v1/tasks/{id}/cancel, /retry            → tasks:manage
 * - every other /v1/tasks path (list, get, events,
 *   stream, webhooks)                             → tasks:read
 * - /v1/usage (the caller's own tenant)           → tasks:read
 * - /v1/agents, /v1/system/...                    → system:read
 *
 * By path (methods aside), so a wrong method on a path the key may not use is a 403 too, not a
 * hint that the path exists. Paths in no entry need no scope (they answer 404).
 */
import type { Request, RequestHandler } from 'express';
import { ErrorType } from '@agent-orchestrator/domain';
import { hasScope, type ApiKeyScope } from '@agent-orchestrator/config';
import { ApiError } from '../http/http-error';
import { principalOf } from '../http/request-context';

const ROUTE_SCOPES: readonly { path: RegExp; method?: string; scope: ApiKeyScope }[] = [
  { path: /^\/v1\/agent\/execute\/?$/, scope: 'tasks:submit' },
  { path: /^\/v1\/tasks\/[^/]+\/(cancel|retry)\/?$/, method: 'POST', scope: 'tasks:manage' },
  { path: /^\/v1\/tasks(\/.*)?$/, scope: 'tasks:read' },
  { path: /^\/v1\/usage\/?$/, scope: 'tasks:read' },
  { path: /^\/v1\/agents\/?$/, scope: 'system:read' },
  { path: /^\/v1\/system(\/.*)?$/, scope: 'system:read' },
];

/** The scope `req` needs, or null for a path no route serves. */
export function scopeFor(method: string, path: string): ApiKeyScope | null {
  for (const entry of ROUTE_SCOPES) {
    if (entry.method !== undefined && entry.method !== method.toUpperCase()) continue;
    if (entry.path.test(path)) return entry.scope;
  }
  return null;
}

export function forbiddenMessage(scope: ApiKeyScope): string {
  return `This API key lacks the "${scope}" scope this route needs.`;
}

/** 403 FORBIDDEN unless the request's principal has the scope its route needs. */
export function requireScope(): RequestHandler {
  return (req: Request, res, next) => {
    const scope = scopeFor(req.method, req.originalUrl.split('?')[0] ?? '');
    if (scope === null || hasScope({ scopes: [...principalOf(res).scopes] }, scope)) return next();
    next(new ApiError(ErrorType.FORBIDDEN, forbiddenMessage(scope)));
  };
}
