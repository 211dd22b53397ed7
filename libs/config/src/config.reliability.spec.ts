import { ConfigError } from '@agent-orchestrator/domain';
import { DEFAULT_WORKER_CONCURRENCY, loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://localhost:27017', REDIS_URL: 'redis://localhost:6379' };

describe('worker reliability settings', () => {
  it('has defaults that keep a lost job and an overdue task from going unnoticed', () => {
    const c = loadWorkerConfig(base);
    expect(c).toMatchObject({
      queueLockDurationMs: 30_000,
      queueStalledIntervalMs: 15_000,
      queueMaxStalledCount: 2,
      reconcileIntervalMs: 30_000,
      reconcileGraceMs: 60_000,
      reconcileBatchSize: 100,
      taskDeadlineMs: 900_000,
      shutdownGraceMs: 25_000,
      cancelPollIntervalMs: 2000,
    });
    expect(c.taskDeadlineMs).toBeGreaterThanOrEqual(c.taskTimeoutMs);
  });

  it('reads each from the environment; RECONCILE_INTERVAL_MS=0 turns the reconciler off', () => {
    const c = loadWorkerConfig({
      ...base,
      QUEUE_LOCK_DURATION_MS: '5000',
      QUEUE_STALLED_INTERVAL_MS: '1000',
      QUEUE_MAX_STALLED_COUNT: '0',
      RECONCILE_INTERVAL_MS: '0',
      RECONCILE_GRACE_MS: '2000',
      RECONCILE_BATCH_SIZE: '10',
      TASK_TIMEOUT_MS: '60000',
      TASK_DEADLINE_MS: '60000',
      WORKER_SHUTDOWN_GRACE_MS: '0',
      CANCEL_POLL_INTERVAL_MS: '500',
    });
    expect(c).toMatchObject({
      queueLockDurationMs: 5000,
      queueStalledIntervalMs: 1000,
      queueMaxStalledCount: 0,
      reconcileIntervalMs: 0,
      reconcileGraceMs: 2000,
      reconcileBatchSize: 10,
      taskDeadlineMs: 60_000,
      shutdownGraceMs: 0,
      cancelPollIntervalMs: 500,
    });
  });

  it('rejects a deadline shorter than the per-run timeout and a stalled check slower than the lock', () => {
    let error: unknown;
    try {
      loadWorkerConfig({ ...base, TASK_TIMEOUT_MS: '300000', TASK_DEADLINE_MS: '60000', QUEUE_LOCK_DURATION_MS: '2000', QUEUE_STALLED_INTERVAL_MS: '5000', RECONCILE_BATCH_SIZE: '500' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).details?.map((d) => d.field)).toEqual(['RECONCILE_BATCH_SIZE', 'TASK_DEADLINE_MS', 'QUEUE_STALLED_INTERVAL_MS']);
  });

  it('sizes the worker for I/O-bound tasks by default (WORKER_CONCURRENCY 32) and bounds it', () => {
    expect(loadWorkerConfig(base).concurrency).toBe(DEFAULT_WORKER_CONCURRENCY);
    expect(DEFAULT_WORKER_CONCURRENCY).toBe(32);
    expect(loadWorkerConfig({ ...base, WORKER_CONCURRENCY: '2' }).concurrency).toBe(2);
    expect(() => loadWorkerConfig({ ...base, WORKER_CONCURRENCY: '257' })).toThrow(ConfigError);
  });

  it('reads the provider limits LLM_MAX_CONCURRENCY and LLM_RPM: none by default, bounded', () => {
    expect(loadWorkerConfig(base).llm.limits).toEqual({ maxConcurrent: 0, perMinute: 0 });
    expect(loadWorkerConfig({ ...base, LLM_MAX_CONCURRENCY: '16', LLM_RPM: '500' }).llm.limits).toEqual({ maxConcurrent: 16, perMinute: 500 });
    expect(() => loadWorkerConfig({ ...base, LLM_MAX_CONCURRENCY: '-1' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ ...base, LLM_RPM: 'lots' })).toThrow(ConfigError);
  });

  it('bounds LLM_MAX_RETRIES (transient LLM failures are retried a bounded number of times; 401 is never retried, see agents-core llm.int.spec.ts)', () => {
    expect(loadWorkerConfig(base).llm.maxRetries).toBe(3);
    expect(loadWorkerConfig({ ...base, LLM_MAX_RETRIES: '0' }).llm.maxRetries).toBe(0);
    expect(() => loadWorkerConfig({ ...base, LLM_MAX_RETRIES: '11' })).toThrow(ConfigError);
  });
});
