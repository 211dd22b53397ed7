import type { Response } from 'express';
import type { Logger } from '@agent-orchestrator/observability';

/** What the API knows about the request being served; set first thing by the request-id middleware. */
export interface RequestContext {
  requestId: string;
  /** The app logger bound to `request_id` (and `api_key_id` once a key is recognised). */
  logger: Logger;
  /** Id of the API key the request authenticated with; never the secret. */
  apiKeyId?: string;
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

/** Records the API key the request authenticated with, and binds its id into the request's logger. */
export function attachApiKey(res: Response, apiKeyId: string): void {
  const context = getRequestContext(res);
  setRequestContext(res, { ...context, apiKeyId, logger: context.logger.child({ api_key_id: apiKeyId }) });
}
