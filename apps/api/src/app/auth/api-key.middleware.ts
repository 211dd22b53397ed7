import type { Request, RequestHandler, Response } from 'express';
import { ErrorType } from '@agent-orchestrator/domain';
import { API_KEY_SCOPES, DEFAULT_TENANT, type ApiKeyConfig } from '@agent-orchestrator/config';
import type { Logger } from '@agent-orchestrator/observability';
import { ApiError } from '../http/http-error';
import { attachPrincipal, type Principal } from '../http/request-context';
import { ApiKeyAuthenticator } from './api-key.authenticator';

export const API_KEY_HEADER = 'X-API-Key';
const BEARER = /^Bearer +([^\s]+) *$/i;
const REALM = 'Bearer realm="agent-orchestrator"';

export const MISSING_KEY_MESSAGE = 'An API key is required: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".';
export const INVALID_KEY_MESSAGE = 'The API key is not valid.';
export const OPEN_API_WARNING = `API_KEYS is empty: every /v1 route is open to anyone who can reach the API, as one tenant ("${DEFAULT_TENANT}") with every scope`;

/** The principal of every request when no keys are configured: the default tenant, every scope. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({ tenantId: DEFAULT_TENANT, apiKeyId: null, scopes: API_KEY_SCOPES });

type Credential = { kind: 'missing' } | { kind: 'given'; value: string } | { kind: 'conflicting' };

/**
 * The key a request presents: `X-API-Key`, or the token of an
 * `Authorization: Bearer` header. Other Authorization schemes are not ours
 * and count as no key. Two different keys in one request are refused.
 */
export function presentedCredential(req: Request): Credential {
  const header = req.get(API_KEY_HEADER)?.trim() || undefined;
  const bearer = BEARER.exec(req.get('Authorization') ?? '')?.[1];
  if (header !== undefined && bearer !== undefined && header !== bearer) return { kind: 'conflicting' };
  const value = header ?? bearer;
  return value === undefined ? { kind: 'missing' } : { kind: 'given', value };
}

const OUTCOME = 'apiKeyOutcome';
type Outcome = 'missing' | 'invalid' | 'valid';

export interface ApiKeyAuth {
  /** Recognises the key, if any, and attaches its principal (tenant, key id, scopes); never rejects (so the rate limiter runs between). */
  identify: RequestHandler;
  /** Answers 401 unless `identify` recognised a key. Lets everything through when no keys are configured. */
  require: RequestHandler;
  enabled: boolean;
}

/**
 * API-key protection in two steps, so that requests with a missing or wrong
 * key still count against their IP's rate limit before being refused:
 * `identify` → rate limit (per key id, else per IP) → `require`.
 * With no keys configured it says so once, here, and lets everything through.
 */
export function apiKeyAuth({ keys, logger }: { keys: readonly ApiKeyConfig[]; logger: Logger }): ApiKeyAuth {
  const authenticator = new ApiKeyAuthenticator(keys);
  if (!authenticator.enabled) {
    logger.warn(OPEN_API_WARNING);
    const identifyNone: RequestHandler = (_req, res, next) => {
      attachPrincipal(res, OPEN_PRINCIPAL);
      next();
    };
    const requireNone: RequestHandler = (_req, _res, next) => next();
    return { identify: identifyNone, require: requireNone, enabled: false };
  }

  // Ids and tenants only: never a secret or a digest.
  logger.info('API keys enabled', { api_keys: keys.length, tenants: [...new Set(keys.map((k) => k.tenant))].sort() });

  const identify: RequestHandler = (req, res, next) => {
    const credential = presentedCredential(req);
    let outcome: Outcome = credential.kind === 'missing' ? 'missing' : 'invalid';
    if (credential.kind === 'given') {
      const key = authenticator.identify(credential.value);
      if (key !== null) {
        attachPrincipal(res, { tenantId: key.tenant, apiKeyId: key.id, scopes: key.scopes });
        outcome = 'valid';
      }
    }
    setOutcome(res, outcome);
    next();
  };

  const requireKey: RequestHandler = (_req, res, next) => {
    const outcome = getOutcome(res) ?? 'missing';
    if (outcome === 'valid') return next();
    next(
      outcome === 'missing'
        ? new ApiError(ErrorType.UNAUTHORIZED, MISSING_KEY_MESSAGE, { headers: { 'WWW-Authenticate': REALM } })
        : new ApiError(ErrorType.UNAUTHORIZED, INVALID_KEY_MESSAGE, { headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` } }),
    );
  };

  return { identify, require: requireKey, enabled: true };
}

function setOutcome(res: Response, outcome: Outcome): void {
  res.locals[OUTCOME] = outcome;
}

function getOutcome(res: Response): Outcome | undefined {
  return res.locals[OUTCOME] as Outcome | undefined;
}
