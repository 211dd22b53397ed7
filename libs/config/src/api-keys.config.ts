/**
 * `API_KEYS`: who may call the API, for which tenant, with which scopes, and how that key's webhooks
 * are signed. Read by the api (authentication, authorisation) and by the worker (webhook signing
 * secrets), so both parse one format.
 *
 * Two forms:
 * - compact, as before: comma-separated `id:secret` or `id:sha256:<hex digest of the secret>`. Each
 *   such key belongs to the tenant `default` and has every scope (the behaviour of a deployment that
 *   set keys before tenants existed);
 * - JSON, when the value starts with `[`: an array of
 *   `{"id","secret"|"secret_sha256","tenant","scopes":[...],"webhook_secret"?,"callback_url"?}`.
 *
 * Problems name the entry by position and id, never by secret.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_TENANT } from '@agent-orchestrator/domain';
import type { EnvReader } from './env-reader';

/** What a key may do. `admin` implies every other scope. */
export const API_KEY_SCOPES = ['tasks:submit', 'tasks:read', 'tasks:manage', 'system:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The tenant of compact-form keys and of an open deployment (no keys): the domain's. */
export { DEFAULT_TENANT };

/** One configured API key. The secret itself is never kept, only its digest. */
export interface ApiKeyConfig {
  /** Public name of the key, logged and stored on tasks (`api_key_id`). */
  id: string;
  /** SHA-256 of the secret, 64 lowercase hex characters. */
  sha256: string;
  /** The tenant that owns what this key creates and the only one whose data it sees. */
  tenant: string;
  /** What the key may do; `admin` implies the rest. */
  scopes: ApiKeyScope[];
  /**
   * Standard Webhooks signing secret (`whsec_<base64>`) for this key's task callbacks. Unset: the
   * deployment-wide `WEBHOOK_SECRET`, if any.
   */
  webhookSecret?: string;
  /** Callback URL used for this key's tasks that do not name one. */
  callbackUrl?: string;
}

const ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** Visible ASCII without spaces: what fits a bearer token and an X-API-Key header unchanged. */
const SECRET = /^[\x21-\x7e]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;
export const API_KEY_MIN_LENGTH = 16;
/** `whsec_` then base64 of 24 to 64 random bytes, as the Standard Webhooks specification suggests. */
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
const FIELDS = new Set(['id', 'secret', 'secret_sha256', 'tenant', 'scopes', 'webhook_secret', 'callback_url']);

const FIELD = 'API_KEYS';

/** Whether `value` is a Standard Webhooks secret whose key is 24 to 64 bytes long. */
export function isWebhookSecret(value: string): boolean {
  if (!WEBHOOK_SECRET.test(value)) return false;
  const bytes = Buffer.from(value.slice('whsec_'.length), 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

const WEBHOOK_SECRET_HINT = 'a Standard Webhooks secret: "whsec_" and the base64 of 24 to 64 random bytes (e.g. echo whsec_$(openssl rand -base64 32))';

function digestOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function secretProblem(where: string, id: string): string {
  return `${where} (id "${id}") needs a secret of at least ${API_KEY_MIN_LENGTH} visible ASCII characters without spaces or commas (e.g. openssl rand -hex 32)`;
}

/** The `id:secret` / `id:sha256:<hex>` list. */
function compactKeys(r: EnvReader, value: string): ApiKeyConfig[] {
  const keys: ApiKeyConfig[] = [];
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const where = `API_KEYS entry ${index + 1}`;
      const colon = entry.indexOf(':');
      const id = colon < 0 ? '' : entry.slice(0, colon).trim();
      const rest = colon < 0 ? '' : entry.slice(colon + 1).trim();
      if (!ID.test(id)) {
        r.problems.push({ field: FIELD, message: `${where} must be "id:secret" or "id:sha256:<hex>" with an id of 1 to 64 characters from A-Z, a-z, 0-9, "_", "." and "-"` });
        return;
      }
      let sha256: string;
      if (rest.toLowerCase().startsWith('sha256:')) {
        const hex = rest.slice('sha256:'.length);
        if (!SHA256_HEX.test(hex)) {
          r.problems.push({ field: FIELD, message: `${where} (id "${id}") must give the digest as 64 hex characters after "sha256:"` });
          return;
        }
        sha256 = hex.toLowerCase();
      } else {
        if (rest.length < API_KEY_MIN_LENGTH || !SECRET.test(rest)) {
          r.problems.push({ field: FIELD, message: secretProblem(where, id) });
          return;
        }
        sha256 = digestOf(rest);
      }
      keys.push({ id, sha256, tenant: DEFAULT_TENANT, scopes: ['admin'] });
    });
  return keys;
}

/** One object of the JSON form, or undefined after recording why not. */
function jsonKey(r: EnvReader, raw: unknown, where: string): ApiKeyConfig | undefined {
  const problem = (message: string): undefined => {
    r.problems.push({ field: FIELD, message });
    return undefined;
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return problem(`${where} must be an object`);
  const o = raw as Record<string, unknown>;
  const id = typeof o.id === 'string' ? o.id : '';
  if (!ID.test(id)) return problem(`${where} needs an "id" of 1 to 64 characters from A-Z, a-z, 0-9, "_", "." and "-"`);
  const named = `${where} (id "${id}")`;
  const unknown = Object.keys(o).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) return problem(`${named} has unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; allowed: ${[...FIELDS].join(', ')}`);

  let sha256: string;
  if (o.secret !== undefined && o.secret_sha256 !== undefined) return problem(`${named} must give "secret" or "secret_sha256", not both`);
  if (typeof o.secret_sha256 === 'string') {
    if (!SHA256_HEX.test(o.secret_sha256)) return problem(`${named} must give "secret_sha256" as 64 hex characters`);
    sha256 = o.secret_sha256.toLowerCase();
  } else if (typeof o.secret === 'string' && o.secret.length >= API_KEY_MIN_LENGTH && SECRET.test(o.secret)) {
    sha256 = digestOf(o.secret);
  } else {
    return problem(secretProblem(where, id).replace('needs a secret', 'needs a "secret" (or "secret_sha256")'));
  }

  const tenant = typeof o.tenant === 'string' ? o.tenant : '';
  if (!ID.test(tenant)) return problem(`${named} needs a "tenant" of 1 to 64 characters from A-Z, a-z, 0-9, "_", "." and "-"`);

  if (!Array.isArray(o.scopes) || o.scopes.length === 0) return problem(`${named} needs "scopes": a non-empty array of ${API_KEY_SCOPES.join(', ')}`);
  const bad = o.scopes.filter((s) => !(API_KEY_SCOPES as readonly unknown[]).includes(s));
  if (bad.length > 0) return problem(`${named} has unknown scope(s) ${bad.map((s) => JSON.stringify(s)).join(', ')}; allowed: ${API_KEY_SCOPES.join(', ')}`);
  const scopes = [...new Set(o.scopes as ApiKeyScope[])];

  const key: ApiKeyConfig = { id, sha256, tenant, scopes };
  if (o.webhook_secret !== undefined) {
    if (typeof o.webhook_secret !== 'string' || !isWebhookSecret(o.webhook_secret)) return problem(`${named} must give "webhook_secret" as ${WEBHOOK_SECRET_HINT}`);
    key.webhookSecret = o.webhook_secret;
  }
  if (o.callback_url !== undefined) {
    // Scheme and host rules are the webhook module's (the same check as at submit); here only its form.
    let ok = false;
    try {
      const u = new URL(String(o.callback_url));
      ok = typeof o.callback_url === 'string' && (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      ok = false;
    }
    if (!ok) return problem(`${named} must give "callback_url" as an http(s) URL without credentials`);
    key.callbackUrl = o.callback_url as string;
  }
  return key;
}

function jsonKeys(r: EnvReader, value: string): ApiKeyConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    // The parser's message can quote the text around the error, which may be a secret: keep only where.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    r.problems.push({ field: FIELD, message: `API_KEYS starts with "[" but is not valid JSON${at ? ` (error at character ${at})` : ''}` });
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const keys: ApiKeyConfig[] = [];
  parsed.forEach((raw, index) => {
    const key = jsonKey(r, raw, `API_KEYS entry ${index + 1}`);
    if (key) keys.push(key);
  });
  return keys;
}

/** Every key of `API_KEYS`, each id and each secret used once. Empty: the API runs open. */
export function apiKeys(r: EnvReader): ApiKeyConfig[] {
  const value = r.raw(FIELD);
  if (value === undefined) return [];
  const candidates = value.startsWith('[') ? jsonKeys(r, value) : compactKeys(r, value);
  const keys: ApiKeyConfig[] = [];
  candidates.forEach((key, index) => {
    const where = `API_KEYS entry ${index + 1}`;
    if (keys.some((k) => k.id === key.id)) {
      r.problems.push({ field: FIELD, message: `${where}: the id "${key.id}" is used twice` });
    } else if (keys.some((k) => k.sha256 === key.sha256)) {
      r.problems.push({ field: FIELD, message: `${where} (id "${key.id}") has the same secret as another key` });
    } else {
      keys.push(key);
    }
  });
  return keys;
}

/**
 * `WEBHOOK_SECRET`: the deployment-wide signing secret, for keys without their own `webhook_secret`
 * and for an open deployment. Unset: only keys with their own secret can ask for callbacks.
 */
export function webhookSecret(r: EnvReader): string | undefined {
  const value = r.raw('WEBHOOK_SECRET');
  if (value === undefined) return undefined;
  if (!isWebhookSecret(value)) {
    r.problems.push({ field: 'WEBHOOK_SECRET', message: `WEBHOOK_SECRET must be ${WEBHOOK_SECRET_HINT}` });
    return undefined;
  }
  return value;
}

/** Whether a key (or, with no key, the open deployment) may use `scope`. */
export function hasScope(key: Pick<ApiKeyConfig, 'scopes'>, scope: ApiKeyScope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}
