import type { Response } from 'express';
import type { Logger } from '@agent-orchestrator/observability';
import type { ApiKeyScope } from '@agent-orchestrator/config';

/**
 * Who is calling: the tenant whose data the request sees and changes, the key it authenticated
 * with (null when the API runs open), and what that key may do. Attached by authentication.
 */
export interface Principal {
  tenantId: string;
  apiKeyId: string | null;
  scopes: readonly ApiKeyScope[];
}

/** What the API knows about the request being served; set first thing by the request-id middleware. */
export interface RequestContext {
  requestId: string;
  /** The app logger bound to `request_id` (and `api_key_id` once a key is recognised). */
  logger: Logger;
  /** Id of the API key the request authenticated with; never the secret. */
  apiKeyId?: string;
  /** Set by authentication (api-key.middleware): always on a /v1 request that got past it. */
  principal?: Principal;
}

const KEY = 'requestContext';

export function setRequestContext(res: Response, context: RequestContext): void {
  res.locals[KEY] = context;
}

export function getRequestContext(res: Response): RequestContext {
  const context = res.locals[KEY] as RequestContext | undefined;
  if (!context) throw new Error('request context missing: requestIdMiddleware must run before this middleware');
  return context;
}

/** Records who the request authenticated as, and binds the key id and tenant into the request's logger. */
export function attachPrincipal(res: Response, principal: Principal): void {
  const context = getRequestContext(res);
  if (principal.apiKeyId === null) {
    setRequestContext(res, { ...context, principal });
    return;
  }
  const apiKeyId = principal.apiKeyId;
  setRequestContext(res, { ...context, apiKeyId, principal, logger: context.logger.child({ api_key_id: apiKeyId, tenant_id: principal.tenantId }) });
}

/** The request's principal; a /v1 route runs only after authentication attached it. */
export function principalOf(res: Response): Principal {
  const principal = getRequestContext(res).principal;
  if (!principal) throw new Error('principal missing: apiKeyAuth must run before this route');
  return principal;
}
