/**
 * Which workers are alive and which agents each one registered, kept in Redis
 * so the API can show them without guessing (GET /v1/agents, /v1/system/metrics).
 *
 * Each worker owns one record, `ao:workers:<worker_id>` (JSON), written with a
 * TTL of three heartbeats and rewritten on every heartbeat: a worker that
 * crashes stops rewriting it and Redis expires it; one that stops gracefully
 * deletes it. The sorted set `ao:workers` (score: last heartbeat, ms) indexes
 * the ids so readers never SCAN the keyspace; liveness is the record's TTL, kept
 * by Redis' clock, so the hosts' clocks do not matter. Index entries whose
 * record is gone are pruned by readers and by heartbeats.
 */
import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { Redis } from 'ioredis';
import { ErrorType, OrchestratorError, agentSummary, isAgentSummary, type AgentSummary } from '@agent-orchestrator/domain';

export const WORKER_RECORD_PREFIX = 'ao:workers:';
export const WORKER_INDEX_KEY = 'ao:workers';

/** Default heartbeat period; a record lives three of them. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
/** Index entries not refreshed for this long are dropped by heartbeats even if no reader pruned them. */
const INDEX_GARBAGE_AFTER_MS = 24 * 3600_000;
/** At most this many workers are read; far more than a deployment runs. */
const MAX_WORKERS_READ = 1000;

/** An agent as a worker registered it: the domain's summary. */
export type PublishedAgent = AgentSummary;

/** What a live worker publishes about itself. Dates are ISO 8601 strings, as stored. */
export interface WorkerRecord {
  /** `hostname:pid:random`, unique per worker process. */
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: string;
  last_seen_at: string;
  agents: PublishedAgent[];
}

/** The Redis commands the registry uses (an ioredis client, e.g. a Bull queue's `client`). */
export type WorkerRegistryRedis = Pick<Redis, 'multi' | 'zrevrange' | 'mget' | 'zrem'>;

/** Redis did not answer the registry in time (or refused). */
export class WorkerRegistryUnavailableError extends OrchestratorError {
  constructor(message: string, cause?: unknown) {
    super(ErrorType.SERVICE_UNAVAILABLE, message, { cause, retryable: true });
  }
}

export interface PublishWorkerOptions {
  /** Heartbeat period. Default 10 s. */
  intervalMs?: number;
  /** How long a record outlives its last heartbeat. Default 3 × intervalMs. */
  ttlMs?: number;
  /** Longest wait for Redis per heartbeat. Default min(2000, intervalMs). */
  timeoutMs?: number;
  /** Told about each failed heartbeat; the next one tries again. */
  onError?: (err: Error) => void;
  now?: () => Date;
}

export interface WorkerIdentity {
  agents: readonly PublishedAgent[];
  /** Default: `hostname:pid:<8 hex>`. */
  worker_id?: string;
  hostname?: string;
  pid?: number;
  started_at?: Date;
}

export interface WorkerHeartbeat {
  readonly worker_id: string;
  /** Writes the record now; false when Redis did not take it (onError was told why). */
  beat(): Promise<boolean>;
  /** Stops the heartbeat and, unless `deregister` is false, deletes the record at once. Never throws. */
  stop(options?: { deregister?: boolean }): Promise<void>;
}

export function newWorkerId(hostname = osHostname(), pid = process.pid): string {
  return `${hostname}:${pid}:${randomBytes(4).toString('hex')}`;
}

export function workerRecordKey(workerId: string): string {
  return `${WORKER_RECORD_PREFIX}${workerId}`;
}

/**
 * Publishes this worker and keeps it published until `stop()`. The first
 * heartbeat is written before this resolves; if it fails the worker still
 * starts (onError is told) and the next heartbeat tries again.
 */
export async function publishWorker(redis: WorkerRegistryRedis, identity: WorkerIdentity, options: PublishWorkerOptions = {}): Promise<WorkerHeartbeat> {
  const intervalMs = positive(options.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS, 'intervalMs');
  const ttlMs = positive(options.ttlMs ?? 3 * intervalMs, 'ttlMs');
  if (ttlMs <= intervalMs) throw new RangeError(`ttlMs (${ttlMs}) must be longer than intervalMs (${intervalMs}), or live workers would blink out`);
  const timeoutMs = positive(options.timeoutMs ?? Math.min(2000, intervalMs), 'timeoutMs');
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => undefined);

  const host = identity.hostname ?? osHostname();
  const pid = identity.pid ?? process.pid;
  const worker_id = identity.worker_id ?? newWorkerId(host, pid);
  const key = workerRecordKey(worker_id);
  const started_at = (identity.started_at ?? now()).toISOString();
  // Field by field: a descriptor with more on it must not publish more.
  const agents = identity.agents.map(agentSummary);

  let inFlight: Promise<boolean> | undefined;
  let stopped = false;

  const write = async (): Promise<boolean> => {
    const seen = now();
    const record: WorkerRecord = { worker_id, hostname: host, pid, started_at, last_seen_at: seen.toISOString(), agents };
    try {
      const results = await withTimeout(
        redis
          .multi()
          .set(key, JSON.stringify(record), 'PX', ttlMs)
          .zadd(WORKER_INDEX_KEY, seen.getTime(), worker_id)
          .zremrangebyscore(WORKER_INDEX_KEY, '-inf', seen.getTime() - INDEX_GARBAGE_AFTER_MS)
          .exec(),
        timeoutMs,
        'Publishing the worker heartbeat',
      );
      const failed = results?.find(([err]) => err);
      if (!results || failed) throw failed?.[0] ?? new Error('the heartbeat transaction was discarded');
      return true;
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
  };

  // A heartbeat still waiting on Redis is not doubled: beats never pile up while Redis is away.
  const beat = (): Promise<boolean> => {
    if (stopped) return Promise.resolve(false);
    inFlight ??= write().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  await beat();
  const timer = setInterval(() => void beat(), intervalMs);
  timer.unref();

  return {
    worker_id,
    beat,
    async stop({ deregister = true } = {}) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inFlight?.catch(() => undefined);
      if (!deregister) return;
      try {
        await withTimeout(redis.multi().del(key).zrem(WORKER_INDEX_KEY, worker_id).exec(), timeoutMs, 'Removing the worker record');
      } catch (err) {
        // The record expires on its own within ttlMs.
        onError(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}

/**
 * The workers whose record has not expired, most recently seen first. Costs
 * two round trips whatever the size of Redis (index read + MGET).
 * @throws WorkerRegistryUnavailableError when Redis does not answer within timeoutMs.
 */
export async function listLiveWorkers(redis: WorkerRegistryRedis, options: { timeoutMs?: number } = {}): Promise<WorkerRecord[]> {
  const timeoutMs = positive(options.timeoutMs ?? 2000, 'timeoutMs');
  try {
    const ids = await withTimeout(redis.zrevrange(WORKER_INDEX_KEY, 0, MAX_WORKERS_READ - 1), timeoutMs, 'Reading the worker index');
    if (ids.length === 0) return [];
    const values = await withTimeout(redis.mget(...ids.map(workerRecordKey)), timeoutMs, 'Reading the worker records');
    const live: WorkerRecord[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const record = parseWorkerRecord(values[i]);
      if (record && record.worker_id === id) live.push(record);
      else gone.push(id);
    });
    // Best effort: a worker that comes back re-adds itself on its next heartbeat.
    if (gone.length > 0) redis.zrem(WORKER_INDEX_KEY, ...gone).catch(() => undefined);
    return live;
  } catch (err) {
    if (err instanceof WorkerRegistryUnavailableError) throw err;
    throw new WorkerRegistryUnavailableError(`Could not read the live workers from Redis: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

/** A stored record, or null when it is missing or not what a worker writes (never trusted blindly). */
export function parseWorkerRecord(value: string | null | undefined): WorkerRecord | null {
  if (typeof value !== 'string') return null;
  let d: unknown;
  try {
    d = JSON.parse(value);
  } catch {
    return null;
  }
  if (!isObject(d) || !Array.isArray(d['agents'])) return null;
  const { worker_id, hostname, pid, started_at, last_seen_at } = d;
  if (!isString(worker_id) || !isString(hostname) || !Number.isInteger(pid) || !isIsoDate(started_at) || !isIsoDate(last_seen_at)) return null;
  const agents: PublishedAgent[] = [];
  for (const a of d['agents']) {
    if (!isAgentSummary(a)) return null;
    agents.push(agentSummary(a));
  }
  return { worker_id, hostname, pid: pid as number, started_at, last_seen_at, agents };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (ms), got ${value}`);
  return value;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WorkerRegistryUnavailableError(`${what} timed out after ${ms} ms: Redis is unreachable`)), ms);
  });
  // A late failure of the losing promise must not become an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
