/**
 * Tenants: every task, session, message and idempotency key belongs to one. A tenant sees only its
 * own data; another tenant's task is answered exactly like an unknown id.
 */

/** The tenant of compact-form API keys, of an open deployment (no keys) and of data stored before tenants existed. */
export const DEFAULT_TENANT = 'default';

/** Tenant ids: what API_KEYS accepts (letters, digits, `_`, `.`, `-`; never `:`). */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The storage key of a client's `session_id` within a tenant: the id itself for the default tenant
 * (so sessions stored before tenants keep their history), `<tenant>:<session_id>` otherwise. Client
 * session ids cannot contain `:` (SESSION_ID_PATTERN) and tenant ids cannot either, so two tenants'
 * keys never meet: the same `session_id` from two tenants is two sessions.
 */
export function sessionKey(tenantId: string, sessionId: string): string {
  return tenantId === DEFAULT_TENANT ? sessionId : `${tenantId}:${sessionId}`;
}

/** The tenant a stored record belongs to: one without the field predates tenants and is the default tenant's. */
export function tenantOf(record: { tenant_id?: unknown }): string {
  return typeof record.tenant_id === 'string' && record.tenant_id !== '' ? record.tenant_id : DEFAULT_TENANT;
}
