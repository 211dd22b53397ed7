/** Settings both apps read the same way: environment, log level, MongoDB, Redis, the task event store. */
import { LOG_LEVELS, type LogLevel } from '@agent-orchestrator/observability';
import type { EnvReader } from './env-reader';

/** Settings both apps share. Every value comes from the environment. */
export interface CommonConfig {
  environment: string;
  logLevel: LogLevel;
  mongo: { uri: string; dbName: string; serverSelectionTimeoutMs: number };
  redis: { url: string };
  /** LOG_TO_MONGO and friends: lifecycle events also go to the `logs` collection (task timeline). */
  taskEventStore: TaskEventStoreConfig;
  /** The live progress stream (GET /v1/tasks/{task_id}/stream): its history, heartbeat, limits and deltas. */
  stream: StreamConfig;
  /** The running counters of GET /v1/system/metrics and GET /v1/usage (`task_counters`). */
  counters: CountersConfig;
  /** FAIR_QUEUE_*: fair queuing between tenants on the task queue (docs/fair-queuing.md). */
  fairQueue: FairQueueConfig;
}

export interface FairQueueConfig {
  /**
   * Order waiting jobs by their tenant's virtual time (one tenant's backlog cannot starve another);
   * false: first in, first out. The api and every worker must agree.
   */
  enabled: boolean;
  /** Tenants with the largest backlogs exported by the worker's per-tenant waiting gauge (label cardinality). */
  metricsTopTenants: number;
}

export interface StreamConfig {
  /** Days a task's stream events are kept (TTL index on `task_stream_events.timestamp`, plus the worker's hourly purge). */
  retentionDays: number;
  /** A `: ping` comment (and a read of the store) every this many ms on each open stream. */
  heartbeatMs: number;
  /** Streams one API key (else IP) may hold open on one api process; one more is a 429. */
  maxOpenPerClient: number;
  /** The agent's text is sent as one `delta` event per this many ms at most... */
  deltaIntervalMs: number;
  /** ... or as soon as it holds this many characters. */
  deltaMaxChars: number;
  /** Stream events of all tasks handed over within this many ms go in one insert and one Redis pipeline; 0 = one each, at once. */
  writeWindowMs: number;
}

export interface CountersConfig {
  /**
   * Counter increments of all moves and runs within this many ms are merged into one write per
   * counter document; a crash loses at most this window's increments (rebuild the day to repair).
   * 0 = handed over at each move (still merged while a write is in flight).
   */
  writeWindowMs: number;
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

export function common(r: EnvReader): CommonConfig {
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
    stream: {
      retentionDays: r.int('STREAM_RETENTION_DAYS', 90, 1, 3650),
      heartbeatMs: r.int('STREAM_HEARTBEAT_MS', 15_000, 100, 300_000),
      maxOpenPerClient: r.int('STREAM_MAX_OPEN_PER_CLIENT', 20, 1, 10_000),
      deltaIntervalMs: r.int('STREAM_DELTA_INTERVAL_MS', 200, 10, 10_000),
      deltaMaxChars: r.int('STREAM_DELTA_MAX_CHARS', 1024, 16, 1_000_000),
      writeWindowMs: r.int('STREAM_WRITE_WINDOW_MS', 5, 0, 1000),
    },
    counters: {
      writeWindowMs: r.int('COUNTERS_WRITE_WINDOW_MS', 20, 0, 10_000),
    },
    fairQueue: {
      enabled: r.bool('FAIR_QUEUE_ENABLED', true),
      metricsTopTenants: r.int('FAIR_QUEUE_METRICS_TOP_TENANTS', 20, 0, 1000),
    },
  };
}
