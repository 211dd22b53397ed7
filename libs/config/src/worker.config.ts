/** The worker's settings (`loadWorkerConfig`): LLM, agents, concurrency, queue, reconciler, housekeeping. */
import { LLM_PROVIDER_NAMES, STRUCTURED_OUTPUT_METHODS, type LlmProviderName, type OutputLimitTable, type PriceTable, type StructuredOutputMethod } from '@agent-orchestrator/domain';
import { common, type CommonConfig } from './common.config';
import { EnvReader, type Env } from './env-reader';
import { DEFAULT_PEER_MODEL, llmRoles, outputLimits, type LlmRoleConfig } from './llm.config';
import { metricsToken } from './metrics-token.config';
import { apiKeys } from './api-keys.config';
import { webhookDeliveryConfig, type WebhookDeliveryConfig } from './webhooks.config';

export const DEFAULT_AGENTS = ['@agent-orchestrator/agent-content', '@agent-orchestrator/agent-code', '@agent-orchestrator/agent-test'];

/** Periodic snapshots of the system figures into `system_metrics` (worker). */
export interface MetricsSnapshotConfig {
  /** 0 turns snapshots off. */
  intervalMs: number;
  retentionDays: number;
}

export interface LlmConfig {
  /** OPENAI_API_KEY / OPENAI_BASE_URL: the OpenAI provider's connection (any OpenAI-compatible server). */
  apiKey: string | undefined;
  baseURL: string | undefined;
  /** LLM_PEER_MODEL, possibly `provider:model`. */
  peerModel: string;
  timeoutMs: number;
  maxRetries: number;
  prices: PriceTable;
  /** LLM_PROVIDER: the provider of a role that names none. */
  provider: LlmProviderName;
  /** ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL. */
  anthropic: { apiKey: string | undefined; baseURL: string | undefined };
  /** LLM_STRUCTURED_OUTPUT: overrides every provider's structured-output method (a role's own setting wins). */
  structuredOutput: StructuredOutputMethod | undefined;
  /** LLM_OUTPUT_LIMITS over the built-in table: a call never asks more completion tokens. */
  outputLimits: OutputLimitTable;
  /** LLM_<ROLE>_MODEL / _PROVIDER / _BASE_URL / _STRUCTURED_OUTPUT, by role (`PEER`, `CONTENT`...). */
  roles: Record<string, LlmRoleConfig>;
  /**
   * LLM_MAX_CONCURRENCY / LLM_RPM: per provider connection (provider + base URL), requests in flight and
   * requests started per minute, shared by every task of the process; a call over them waits. 0 = no limit.
   */
  limits: { maxConcurrent: number; perMinute: number };
}

/**
 * Jobs one worker process runs at once. A task is I/O-bound: two or more LLM calls of 0.5–20 s each
 * and a few MongoDB writes, against a few milliseconds of the worker's own CPU, so a slot spends
 * almost all of its time waiting. 32 keeps a process busy at real provider latencies (32 tasks in
 * flight at ~1 s of provider time each is ~30 tasks/s, beyond what the stores take per process)
 * while bounding what it holds: at 32 slots under load the heap in use stayed under ~90 MiB and the
 * RSS at 210 MiB with the image's heap cap (apps/worker/README.md#memory). Bull's own cost
 * does not grow with it beyond one lock renewal per running job every QUEUE_LOCK_DURATION_MS / 2
 * and one stalled-job script over the active list every QUEUE_STALLED_INTERVAL_MS. The provider's
 * limits are LLM_MAX_CONCURRENCY and LLM_RPM, not this.
 */
export const DEFAULT_WORKER_CONCURRENCY = 32;

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
  /**
   * The worker's own Prometheus listener (GET /metrics): WORKER_METRICS_ENABLED, _PORT (0 = any free port), _HOST,
   * and METRICS_TOKEN (a secret, shared with the api) when scrapes must send `Authorization: Bearer <token>`.
   */
  metrics: { enabled: boolean; port: number; host: string; token: string | undefined };
  /** How often the worker logs a "queue depth" line (CloudWatch's QueueWaiting); 0 = never. */
  queueDepthLogIntervalMs: number;
  metricsSnapshots: MetricsSnapshotConfig;
  /**
   * Webhook delivery: signing secrets by key (read from API_KEYS only for them; the login secrets'
   * digests are not kept here) and WEBHOOK_SECRET, address rules, timeouts, the retry schedule.
   */
  webhooks: WebhookDeliveryConfig;
}

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const r = new EnvReader(env);
  const provider = r.oneOf('LLM_PROVIDER', LLM_PROVIDER_NAMES, 'openai');
  const shared = common(r);
  const config: WorkerConfig = {
    ...shared,
    llm: {
      apiKey: r.raw('OPENAI_API_KEY'),
      baseURL: r.url('OPENAI_BASE_URL', ['http:', 'https:'], false),
      peerModel: r.string('LLM_PEER_MODEL', DEFAULT_PEER_MODEL),
      timeoutMs: r.int('LLM_TIMEOUT_MS', 60_000, 100, 600_000),
      maxRetries: r.int('LLM_MAX_RETRIES', 3, 0, 10),
      prices: r.prices('LLM_PRICES'),
      provider,
      anthropic: { apiKey: r.raw('ANTHROPIC_API_KEY'), baseURL: r.url('ANTHROPIC_BASE_URL', ['http:', 'https:'], false) },
      structuredOutput: r.raw('LLM_STRUCTURED_OUTPUT') === undefined ? undefined : r.oneOf('LLM_STRUCTURED_OUTPUT', STRUCTURED_OUTPUT_METHODS, 'jsonSchema'),
      outputLimits: outputLimits(r),
      roles: llmRoles(r, provider),
      limits: { maxConcurrent: r.int('LLM_MAX_CONCURRENCY', 0, 0, 10_000), perMinute: r.int('LLM_RPM', 0, 0, 1_000_000) },
    },
    agents: r.list('AGENTS', DEFAULT_AGENTS),
    routerMinConfidence: r.number('ROUTER_MIN_CONFIDENCE', 0.5, 0, 1),
    concurrency: r.int('WORKER_CONCURRENCY', DEFAULT_WORKER_CONCURRENCY, 1, 256),
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
    metrics: { enabled: r.bool('WORKER_METRICS_ENABLED', true), port: r.int('WORKER_METRICS_PORT', 9464, 0, 65_535), host: r.string('WORKER_METRICS_HOST', '0.0.0.0'), token: metricsToken(r) },
    queueDepthLogIntervalMs: r.int('QUEUE_DEPTH_LOG_INTERVAL_MS', 60_000, 0, 3_600_000),
    metricsSnapshots: {
      intervalMs: r.int('METRICS_SNAPSHOT_INTERVAL_MS', 60_000, 0, 86_400_000),
      retentionDays: r.int('METRICS_SNAPSHOT_RETENTION_DAYS', 30, 1, 3650),
    },
    webhooks: webhookDeliveryConfig(r, apiKeys(r), shared.environment),
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
