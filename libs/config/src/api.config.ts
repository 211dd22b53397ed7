/** The api's settings (`loadApiConfig`): HTTP listener, limits, API keys, CORS, metrics endpoint, idempotency. */
import { common, type CommonConfig } from './common.config';
import { EnvReader, type Env } from './env-reader';
import { unpricedModels, type PriceTable } from '@agent-orchestrator/domain';
import { configuredModels } from './llm.config';
import { metricsToken } from './metrics-token.config';
import { apiKeys, type ApiKeyConfig } from './api-keys.config';
import { tenantLimits, type TenantLimits } from './tenant-limits.config';
import { webhookSubmitConfig, type WebhookSubmitConfig } from './webhooks.config';

export interface ApiConfig extends CommonConfig {
  port: number;
  host: string;
  taskMaxLength: number;
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  corsOrigins: string[];
  trustProxy: string | number | boolean;
  enqueueTimeoutMs: number;
  /** Bound on each rate-limit call to Redis; past it (or with Redis down) the request goes through unlimited. */
  rateLimitRedisTimeoutMs: number;
  /** Keys from API_KEYS (libs/config/src/api-keys.config.ts), secrets already reduced to SHA-256 digests. Empty: the API runs open. */
  apiKeys: ApiKeyConfig[];
  /** TENANT_LIMITS (libs/config/src/tenant-limits.config.ts): requests per minute, tasks in flight, daily tokens and cost, per tenant. */
  tenantLimits: TenantLimits;
  /** GET /metrics (Prometheus): METRICS_ENABLED, and METRICS_TOKEN (a secret) when scrapes must send `Authorization: Bearer <token>`. */
  metrics: { enabled: boolean; token: string | undefined };
  /** How long an Idempotency-Key of POST /v1/agent/execute keeps answering with its task. */
  idempotencyTtlHours: number;
  /**
   * The models the worker's roles use (LLM_PEER_MODEL, every LLM_<ROLE>_MODEL) and LLM_PRICES, read
   * the same way as the worker: a `max_cost_usd` budget is refused while one of them has no price.
   */
  llm: { prices: PriceTable; models: string[]; unpricedModels: string[] };
  /** Callbacks at submit: WEBHOOK_ALLOW_HTTP, the signing secrets (to refuse a callback nobody could sign) and the keys' default callback URLs. */
  webhooks: WebhookSubmitConfig;
}

function trustProxy(value: string | undefined): string | number | boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  const n = Number(value);
  return Number.isInteger(n) ? n : value;
}

/** `CORS_ORIGINS`: exact origins (`https://app.example.com`), normalised as browsers send them. No `*`. */
function corsOrigins(r: EnvReader): string[] {
  const origins: string[] = [];
  for (const entry of r.list('CORS_ORIGINS', [])) {
    let origin: string | undefined;
    try {
      const u = new URL(entry);
      const bare = u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password && /^([a-z0-9.-]+|\[[0-9a-f:.]+\])$/.test(u.hostname);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && bare) origin = u.origin;
    } catch {
      // reported below
    }
    if (origin === undefined) {
      r.problems.push({
        field: 'CORS_ORIGINS',
        message: `CORS_ORIGINS must list exact origins like https://app.example.com (scheme, host and optional port; no "*", no path) (got "${entry}")`,
      });
    } else if (!origins.includes(origin)) {
      origins.push(origin);
    }
  }
  return origins;
}

function llm(r: EnvReader): ApiConfig['llm'] {
  const prices = r.prices('LLM_PRICES');
  const models = configuredModels(r);
  return { prices, models, unpricedModels: unpricedModels(models, prices) };
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const r = new EnvReader(env);
  const taskMaxLength = r.int('TASK_MAX_LENGTH', 20_000, 1, 1_000_000);
  const rateLimitPerMinute = r.int('API_RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000);
  const shared = common(r);
  const keys = apiKeys(r);
  const config: ApiConfig = {
    ...shared,
    port: r.int('PORT', 3000, 0, 65_535),
    host: r.string('HOST', '0.0.0.0'),
    taskMaxLength,
    // A body must fit the longest task even if every character takes 4 bytes in UTF-8.
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', Math.max(16_384, taskMaxLength * 4 + 4096), 1024, 50_000_000),
    rateLimitPerMinute,
    corsOrigins: corsOrigins(r),
    trustProxy: trustProxy(r.raw('TRUST_PROXY')),
    enqueueTimeoutMs: r.int('ENQUEUE_TIMEOUT_MS', 5000, 100, 60_000),
    rateLimitRedisTimeoutMs: r.int('RATE_LIMIT_REDIS_TIMEOUT_MS', 500, 10, 10_000),
    apiKeys: keys,
    tenantLimits: tenantLimits(r, rateLimitPerMinute),
    metrics: { enabled: r.bool('METRICS_ENABLED', true), token: metricsToken(r) },
    idempotencyTtlHours: r.int('IDEMPOTENCY_TTL_HOURS', 24, 1, 720),
    llm: llm(r),
    webhooks: webhookSubmitConfig(r, keys, shared.environment),
  };
  // A daily cost cap is checked against the day's cost, which is unknown (null) once a model without a price ran.
  if (config.tenantLimits.anyDailyCost && config.llm.unpricedModels.length > 0) {
    r.problems.push({
      field: 'TENANT_LIMITS',
      message: `TENANT_LIMITS sets daily_cost_usd but ${config.llm.unpricedModels.join(', ')} has no price: add it to LLM_PRICES, or cap daily_tokens instead`,
    });
  }
  return r.done(config, 'api');
}
