/**
 * `TENANT_LIMITS`: fair-use limits per tenant, a JSON object keyed by tenant id with an optional
 * `"*"` entry for every tenant not named:
 *
 *   {"*": {"requests_per_minute": 120, "max_tasks_in_flight": 50},
 *    "acme": {"max_tasks_in_flight": 200, "daily_cost_usd": 25, "daily_tokens": 2000000}}
 *
 * A named tenant's entry replaces `"*"` field by field (unset fields fall back to `"*"`, then to the
 * defaults: `requests_per_minute` = API_RATE_LIMIT_PER_MINUTE, no other limit). 0 disables a limit.
 */
import { TENANT_ID_PATTERN } from '@agent-orchestrator/domain';
import type { EnvReader } from './env-reader';

export interface TenantLimit {
  /** Requests per minute over every key of the tenant; 0: unlimited. */
  requestsPerMinute: number;
  /** Tasks queued or processing at once; undefined: unlimited. */
  maxTasksInFlight?: number;
  /** Estimated US dollars spent per UTC day (router and agents); undefined: unlimited. */
  dailyCostUsd?: number;
  /** Tokens used per UTC day; undefined: unlimited. */
  dailyTokens?: number;
}

export interface TenantLimits {
  /** The limits of `tenant`: its own entry over `"*"` over the defaults. */
  of(tenant: string): TenantLimit;
  /** The tenants named in TENANT_LIMITS (not `"*"`), for the boot log. */
  readonly named: readonly string[];
  /** Whether some entry (or `"*"`) sets a `daily_cost_usd`: it needs a price for every model. */
  readonly anyDailyCost: boolean;
}

type Entry = { requests_per_minute?: number; max_tasks_in_flight?: number; daily_cost_usd?: number; daily_tokens?: number };

const FIELD = 'TENANT_LIMITS';
const FIELDS: Record<keyof Entry, { integer: boolean; max: number }> = {
  requests_per_minute: { integer: true, max: 1_000_000 },
  max_tasks_in_flight: { integer: true, max: 10_000_000 },
  daily_cost_usd: { integer: false, max: 1_000_000_000 },
  daily_tokens: { integer: true, max: Number.MAX_SAFE_INTEGER },
};

function entry(r: EnvReader, tenant: string, raw: unknown): Entry | undefined {
  const where = tenant === '*' ? 'TENANT_LIMITS["*"]' : `TENANT_LIMITS["${tenant}"]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    r.problems.push({ field: FIELD, message: `${where} must be an object of ${Object.keys(FIELDS).join(', ')}` });
    return undefined;
  }
  const out: Entry = {};
  let ok = true;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const rule = FIELDS[key as keyof Entry];
    if (!rule) {
      r.problems.push({ field: FIELD, message: `${where} has an unknown field "${key}"; allowed: ${Object.keys(FIELDS).join(', ')}` });
      ok = false;
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > rule.max || (rule.integer && !Number.isInteger(value))) {
      r.problems.push({ field: FIELD, message: `${where}.${key} must be ${rule.integer ? 'an integer' : 'a number'} from 0 to ${rule.max} (0: no limit)` });
      ok = false;
      continue;
    }
    out[key as keyof Entry] = value;
  }
  return ok ? out : undefined;
}

/** Parses TENANT_LIMITS; `defaultRequestsPerMinute` is API_RATE_LIMIT_PER_MINUTE. */
export function tenantLimits(r: EnvReader, defaultRequestsPerMinute: number): TenantLimits {
  const value = r.raw(FIELD);
  const entries = new Map<string, Entry>();
  if (value !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      r.problems.push({ field: FIELD, message: 'TENANT_LIMITS must be a JSON object keyed by tenant id (or "*"), e.g. {"*":{"max_tasks_in_flight":50}}' });
    }
    if (parsed !== undefined) {
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        r.problems.push({ field: FIELD, message: 'TENANT_LIMITS must be a JSON object keyed by tenant id (or "*")' });
      } else {
        for (const [tenant, raw] of Object.entries(parsed as Record<string, unknown>)) {
          if (tenant !== '*' && !TENANT_ID_PATTERN.test(tenant)) {
            r.problems.push({ field: FIELD, message: `TENANT_LIMITS key "${tenant.slice(0, 70)}" is not a tenant id (1 to 64 characters from A-Z, a-z, 0-9, "_", "." and "-") nor "*"` });
            continue;
          }
          const e = entry(r, tenant, raw);
          if (e) entries.set(tenant, e);
        }
      }
    }
  }
  const star = entries.get('*') ?? {};
  const positive = (n: number | undefined): number | undefined => (n === undefined || n === 0 ? undefined : n);
  const cache = new Map<string, TenantLimit>();
  return {
    named: [...entries.keys()].filter((t) => t !== '*'),
    anyDailyCost: [...entries.values()].some((e) => positive(e.daily_cost_usd) !== undefined),
    of(tenant: string): TenantLimit {
      const known = cache.get(tenant);
      if (known) return known;
      const own = entries.get(tenant) ?? {};
      const pick = <K extends keyof Entry>(k: K): number | undefined => own[k] ?? star[k];
      const limit: TenantLimit = {
        requestsPerMinute: pick('requests_per_minute') ?? defaultRequestsPerMinute,
        ...(positive(pick('max_tasks_in_flight')) === undefined ? {} : { maxTasksInFlight: positive(pick('max_tasks_in_flight')) }),
        ...(positive(pick('daily_cost_usd')) === undefined ? {} : { dailyCostUsd: positive(pick('daily_cost_usd')) }),
        ...(positive(pick('daily_tokens')) === undefined ? {} : { dailyTokens: positive(pick('daily_tokens')) }),
      };
      // Only configured tenants are cached: an unknown tenant id costs a fresh object, never memory.
      if (entries.has(tenant) || tenant === '*') cache.set(tenant, limit);
      return limit;
    },
  };
}
