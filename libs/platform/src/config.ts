import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ConfigError, DEFAULT_PRICE_TABLE, type ErrorDetail, type ModelPrice, type PriceTable } from '@agent-orchestrator/domain';

export type Env = Readonly<Record<string, string | undefined>>;

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_AGENTS = ['@agent-orchestrator/agent-content', '@agent-orchestrator/agent-code'];

/** Settings both apps share. Every value comes from the environment. */
export interface CommonConfig {
  environment: string;
  logLevel: LogLevel;
  mongo: { uri: string; dbName: string; serverSelectionTimeoutMs: number };
  redis: { url: string };
  /** LOG_TO_MONGO and friends: lifecycle events also go to the `logs` collection (task timeline). */
  taskEventStore: TaskEventStoreConfig;
}

export interface TaskEventStoreConfig {
  enabled: boolean;
  /** Days events are kept (TTL index, and the worker's hourly purge where TTL has no effect). */
  retentionDays: number;
  /** Events held in memory while MongoDB is slow or down; past it the oldest are dropped. */
  bufferSize: number;
  /** How often buffered events are written, in one batch. */
  flushIntervalMs: number;
}

/** Periodic snapshots of the system figures into `system_metrics` (worker). */
export interface MetricsSnapshotConfig {
  /** 0 turns snapshots off. */
  intervalMs: number;
  retentionDays: number;
}

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
  /** Keys from API_KEYS, secrets already reduced to SHA-256 digests. Empty: the API runs open. */
  apiKeys: ApiKeyConfig[];
  /** GET /metrics (Prometheus): METRICS_ENABLED, and METRICS_TOKEN (a secret) when scrapes must send `Authorization: Bearer <token>`. */
  metrics: { enabled: boolean; token: string | undefined };
  /** How long an Idempotency-Key of POST /v1/agent/execute keeps answering with its task. */
  idempotencyTtlHours: number;
}

/** One configured API key. The secret itself is never kept, only its digest. */
export interface ApiKeyConfig {
  /** Public name of the key, logged and stored on tasks (`api_key_id`). */
  id: string;
  /** SHA-256 of the secret, 64 lowercase hex characters. */
  sha256: string;
}

export interface LlmConfig {
  apiKey: string | undefined;
  baseURL: string | undefined;
  peerModel: string;
  timeoutMs: number;
  maxRetries: number;
  prices: PriceTable;
}

export interface WorkerConfig extends CommonConfig {
  llm: LlmConfig;
  agents: string[];
  routerMinConfidence: number;
  concurrency: number;
  taskTimeoutMs: number;
  jobAttempts: number;
  historyLimit: number;
  /** How often the worker refreshes its record in the live-worker registry; it expires after 3 of these. */
  heartbeatIntervalMs: number;
  /** Bull's stalled-job detection: lock on a running job, how often locks are checked, redeliveries before Bull gives up. */
  queueLockDurationMs: number;
  queueStalledIntervalMs: number;
  queueMaxStalledCount: number;
  /** How often the reconciler looks for lost and overdue tasks; 0 turns it off. */
  reconcileIntervalMs: number;
  /** How long a task may sit queued or processing before the reconciler checks its job. */
  reconcileGraceMs: number;
  /** Tasks the reconciler looks at per status and pass. */
  reconcileBatchSize: number;
  /** Overall deadline from queued_at: past it a non-terminal task is failed with TIMEOUT. At least taskTimeoutMs. */
  taskDeadlineMs: number;
  /** On SIGTERM, how long running jobs may take to finish before they are left for another worker. */
  shutdownGraceMs: number;
  /** Fallback check of a running task's cancel request (the pub/sub message is the fast path). */
  cancelPollIntervalMs: number;
  /** The worker's own Prometheus listener (GET /metrics): WORKER_METRICS_ENABLED, _PORT (0 = any free port), _HOST. */
  metrics: { enabled: boolean; port: number; host: string };
  /** How often the worker logs a "queue depth" line (CloudWatch's QueueWaiting); 0 = never. */
  queueDepthLogIntervalMs: number;
  metricsSnapshots: MetricsSnapshotConfig;
}

/**
 * Reads typed values from an env map, collecting every problem instead of
 * stopping at the first, so one boot error lists all that is wrong.
 */
class EnvReader {
  readonly problems: ErrorDetail[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === '' ? undefined : v;
  }

  string(name: string, fallback?: string): string {
    const v = this.raw(name) ?? fallback;
    if (v === undefined) {
      this.problems.push({ field: name, message: `${name} is required` });
      return '';
    }
    return v;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push({ field: name, message: `${name} must be an integer from ${min} to ${max} (got "${v}")` });
      return fallback;
    }
    return n;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.problems.push({ field: name, message: `${name} must be a number from ${min} to ${max} (got "${v}")` });
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    this.problems.push({ field: name, message: `${name} must be true or false (got "${v}")` });
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push({ field: name, message: `${name} must be one of ${allowed.join(', ')} (got "${v}")` });
      return fallback;
    }
    return v as T;
  }

  url(name: string, protocols: readonly string[], required: boolean): string | undefined {
    const v = this.raw(name);
    if (v === undefined) {
      if (required) this.problems.push({ field: name, message: `${name} is required` });
      return undefined;
    }
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol)) throw new Error('protocol');
    } catch {
      this.problems.push({ field: name, message: `${name} must be a ${protocols.join(' or ')} URL` });
    }
    return v;
  }

  list(name: string, fallback: string[]): string[] {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  prices(name: string): PriceTable {
    const v = this.raw(name);
    if (v === undefined) return DEFAULT_PRICE_TABLE;
    try {
      const parsed = JSON.parse(v) as Record<string, ModelPrice>;
      for (const [model, p] of Object.entries(parsed)) {
        if (!(p && Number.isFinite(p.input_per_million) && Number.isFinite(p.output_per_million) && p.input_per_million >= 0 && p.output_per_million >= 0)) {
          throw new Error(`bad price for ${model}`);
        }
      }
      return { ...DEFAULT_PRICE_TABLE, ...parsed };
    } catch (err) {
      this.problems.push({
        field: name,
        message: `${name} must be JSON like {"gpt-4o-mini":{"input_per_million":0.15,"output_per_million":0.6}} (${(err as Error).message})`,
      });
      return DEFAULT_PRICE_TABLE;
    }
  }

  done<T>(value: T, app: string): T {
    if (this.problems.length > 0) {
      const lines = this.problems.map((p) => `  - ${p.message}`).join('\n');
      throw new ConfigError(`Invalid configuration for ${app}:\n${lines}\nSee .env.example for every setting.`, this.problems);
    }
    return value;
  }
}

function common(r: EnvReader): CommonConfig {
  return {
    environment: r.string('APP_ENV', r.raw('NODE_ENV') ?? 'development'),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    mongo: {
      uri: r.url('MONGO_URI', ['mongodb:', 'mongodb+srv:'], true) ?? '',
      dbName: r.string('MONGO_DB_NAME', 'agent_orchestrator'),
      serverSelectionTimeoutMs: r.int('MONGO_TIMEOUT_MS', 5000, 100, 120_000),
    },
    redis: { url: r.url('REDIS_URL', ['redis:', 'rediss:'], true) ?? '' },
    taskEventStore: {
      enabled: r.bool('LOG_TO_MONGO', false),
      retentionDays: r.int('LOG_RETENTION_DAYS', 14, 1, 3650),
      bufferSize: r.int('LOG_MONGO_BUFFER_SIZE', 1000, 10, 1_000_000),
      flushIntervalMs: r.int('LOG_MONGO_FLUSH_MS', 1000, 50, 60_000),
    },
  };
}

function trustProxy(value: string | undefined): string | number | boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  const n = Number(value);
  return Number.isInteger(n) ? n : value;
}

const API_KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** Visible ASCII without spaces: what fits a bearer token and an X-API-Key header unchanged. */
const API_KEY_SECRET = /^[\x21-\x7e]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;
export const API_KEY_MIN_LENGTH = 16;

/**
 * `API_KEYS`: comma-separated `id:secret` or `id:sha256:<hex digest of the secret>`.
 * Problems name the entry by position and id, never by secret.
 */
function apiKeys(r: EnvReader): ApiKeyConfig[] {
  const keys: ApiKeyConfig[] = [];
  r.list('API_KEYS', []).forEach((entry, index) => {
    const where = `API_KEYS entry ${index + 1}`;
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon).trim();
    const rest = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!API_KEY_ID.test(id)) {
      r.problems.push({ field: 'API_KEYS', message: `${where} must be "id:secret" or "id:sha256:<hex>" with an id of 1 to 64 characters from A-Z, a-z, 0-9, "_", "." and "-"` });
      return;
    }
    let sha256: string;
    if (rest.toLowerCase().startsWith('sha256:')) {
      const hex = rest.slice('sha256:'.length);
      if (!SHA256_HEX.test(hex)) {
        r.problems.push({ field: 'API_KEYS', message: `${where} (id "${id}") must give the digest as 64 hex characters after "sha256:"` });
        return;
      }
      sha256 = hex.toLowerCase();
    } else {
      if (rest.length < API_KEY_MIN_LENGTH || !API_KEY_SECRET.test(rest)) {
        r.problems.push({
          field: 'API_KEYS',
          message: `${where} (id "${id}") needs a secret of at least ${API_KEY_MIN_LENGTH} visible ASCII characters without spaces or commas (e.g. openssl rand -hex 32)`,
        });
        return;
      }
      sha256 = createHash('sha256').update(rest, 'utf8').digest('hex');
    }
    if (keys.some((k) => k.id === id)) {
      r.problems.push({ field: 'API_KEYS', message: `${where}: the id "${id}" is used twice` });
    } else if (keys.some((k) => k.sha256 === sha256)) {
      r.problems.push({ field: 'API_KEYS', message: `${where} (id "${id}") has the same secret as another key` });
    } else {
      keys.push({ id, sha256 });
    }
  });
  return keys;
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

/** `METRICS_TOKEN`: optional; when set, at least 16 visible ASCII characters (it goes in a bearer header). Never echoed in problems. */
function metricsToken(r: EnvReader): string | undefined {
  const token = r.raw('METRICS_TOKEN');
  if (token !== undefined && (token.length < API_KEY_MIN_LENGTH || !API_KEY_SECRET.test(token))) {
    r.problems.push({ field: 'METRICS_TOKEN', message: `METRICS_TOKEN must be at least ${API_KEY_MIN_LENGTH} visible ASCII characters without spaces (e.g. openssl rand -hex 32)` });
    return undefined;
  }
  return token;
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const r = new EnvReader(env);
  const taskMaxLength = r.int('TASK_MAX_LENGTH', 20_000, 1, 1_000_000);
  const config: ApiConfig = {
    ...common(r),
    port: r.int('PORT', 3000, 0, 65_535),
    host: r.string('HOST', '0.0.0.0'),
    taskMaxLength,
    // A body must fit the longest task even if every character takes 4 bytes in UTF-8.
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', Math.max(16_384, taskMaxLength * 4 + 4096), 1024, 50_000_000),
    rateLimitPerMinute: r.int('API_RATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
    corsOrigins: corsOrigins(r),
    trustProxy: trustProxy(r.raw('TRUST_PROXY')),
    enqueueTimeoutMs: r.int('ENQUEUE_TIMEOUT_MS', 5000, 100, 60_000),
    rateLimitRedisTimeoutMs: r.int('RATE_LIMIT_REDIS_TIMEOUT_MS', 500, 10, 10_000),
    apiKeys: apiKeys(r),
    metrics: { enabled: r.bool('METRICS_ENABLED', true), token: metricsToken(r) },
    idempotencyTtlHours: r.int('IDEMPOTENCY_TTL_HOURS', 24, 1, 720),
  };
  return r.done(config, 'api');
}

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const r = new EnvReader(env);
  const config: WorkerConfig = {
    ...common(r),
    llm: {
      apiKey: r.raw('OPENAI_API_KEY'),
      baseURL: r.url('OPENAI_BASE_URL', ['http:', 'https:'], false),
      peerModel: r.string('LLM_PEER_MODEL', 'gpt-4o-mini'),
      timeoutMs: r.int('LLM_TIMEOUT_MS', 60_000, 100, 600_000),
      maxRetries: r.int('LLM_MAX_RETRIES', 3, 0, 10),
      prices: r.prices('LLM_PRICES'),
    },
    agents: r.list('AGENTS', DEFAULT_AGENTS),
    routerMinConfidence: r.number('ROUTER_MIN_CONFIDENCE', 0.5, 0, 1),
    concurrency: r.int('WORKER_CONCURRENCY', 2, 1, 256),
    taskTimeoutMs: r.int('TASK_TIMEOUT_MS', 300_000, 1000, 3_600_000),
    jobAttempts: r.int('JOB_ATTEMPTS', 3, 1, 20),
    historyLimit: r.int('SESSION_HISTORY_LIMIT', 10, 0, 200),
    heartbeatIntervalMs: r.int('WORKER_HEARTBEAT_MS', 10_000, 100, 300_000),
    queueLockDurationMs: r.int('QUEUE_LOCK_DURATION_MS', 30_000, 1000, 600_000),
    queueStalledIntervalMs: r.int('QUEUE_STALLED_INTERVAL_MS', 15_000, 500, 600_000),
    queueMaxStalledCount: r.int('QUEUE_MAX_STALLED_COUNT', 2, 0, 100),
    reconcileIntervalMs: r.int('RECONCILE_INTERVAL_MS', 30_000, 0, 3_600_000),
    reconcileGraceMs: r.int('RECONCILE_GRACE_MS', 60_000, 1000, 86_400_000),
    reconcileBatchSize: r.int('RECONCILE_BATCH_SIZE', 100, 1, 100),
    taskDeadlineMs: r.int('TASK_DEADLINE_MS', 900_000, 1000, 86_400_000),
    shutdownGraceMs: r.int('WORKER_SHUTDOWN_GRACE_MS', 25_000, 0, 3_600_000),
    cancelPollIntervalMs: r.int('CANCEL_POLL_INTERVAL_MS', 2000, 100, 60_000),
    metrics: { enabled: r.bool('WORKER_METRICS_ENABLED', true), port: r.int('WORKER_METRICS_PORT', 9464, 0, 65_535), host: r.string('WORKER_METRICS_HOST', '0.0.0.0') },
    queueDepthLogIntervalMs: r.int('QUEUE_DEPTH_LOG_INTERVAL_MS', 60_000, 0, 3_600_000),
    metricsSnapshots: {
      intervalMs: r.int('METRICS_SNAPSHOT_INTERVAL_MS', 60_000, 0, 86_400_000),
      retentionDays: r.int('METRICS_SNAPSHOT_RETENTION_DAYS', 30, 1, 3650),
    },
  };
  if (config.metricsSnapshots.intervalMs > 0 && config.metricsSnapshots.intervalMs < 1000) {
    r.problems.push({ field: 'METRICS_SNAPSHOT_INTERVAL_MS', message: 'METRICS_SNAPSHOT_INTERVAL_MS must be 0 (off) or at least 1000' });
  }
  if (config.agents.length === 0) r.problems.push({ field: 'AGENTS', message: 'AGENTS must name at least one agent package' });
  if (config.taskDeadlineMs < config.taskTimeoutMs) {
    r.problems.push({ field: 'TASK_DEADLINE_MS', message: `TASK_DEADLINE_MS (${config.taskDeadlineMs}) must be at least TASK_TIMEOUT_MS (${config.taskTimeoutMs})` });
  }
  if (config.queueStalledIntervalMs > config.queueLockDurationMs) {
    r.problems.push({ field: 'QUEUE_STALLED_INTERVAL_MS', message: `QUEUE_STALLED_INTERVAL_MS (${config.queueStalledIntervalMs}) must not exceed QUEUE_LOCK_DURATION_MS (${config.queueLockDurationMs})` });
  }
  return r.done(config, 'worker');
}

/**
 * Loads `.env` into process.env in development only; real deployments get
 * their environment from the platform (SSM, the container runtime).
 */
export function loadDotEnv(env: Env = process.env, file = '.env'): boolean {
  const production = (env['NODE_ENV'] ?? env['APP_ENV']) === 'production';
  if (production || !existsSync(file)) return false;
  process.loadEnvFile(file);
  return true;
}
