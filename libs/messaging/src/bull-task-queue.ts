/**
 * The Bull adapter of the task queue ports (`TaskQueue`, `TaskConsumer` in
 * @agent-orchestrator/tasks), over the `agent_tasks` queue of createTaskQueue:
 * one `process_task` job per task whose id is the task id, the attempts,
 * backoff and stalled-job settings given there. The api uses the producer side
 * alone (`TaskQueue`, on a fail-fast queue it opened: bullApiMessaging), the
 * worker both sides.
 */
import { PROCESS_TASK_JOB, isUuidV4 } from '@agent-orchestrator/domain';
import type { ConsumeOptions, EnqueueOptions, JobState, Logger, QueueCounts, RemoveOutcome, TaskConsumer, TaskDelivery, TaskQueue as TaskQueuePort } from '@agent-orchestrator/tasks';
import { EnqueueBatcher } from './enqueue-batcher';
import { fairBacklog, type TenantBacklog } from './fair-queue';
import { pauseLocally } from './local-pause';
import { createTaskQueue, pingQueue, withTimeout, type TaskQueue, type TaskQueueOptions } from './queue';

const JOB_STATES: ReadonlySet<string> = new Set<JobState>(['waiting', 'delayed', 'active', 'paused', 'completed', 'failed', 'stuck']);

export interface BullTaskQueueOptions extends TaskQueueOptions {
  /** Told about queue errors and malformed jobs. */
  logger?: Pick<Logger, 'warn' | 'error'>;
  /**
   * Longest wait for Redis on each call of the `TaskQueue` port (enqueue, jobState, remove, counts):
   * past it the call fails with QueueUnavailableError, where Bull would wait forever. Default 5000 ms.
   */
  timeoutMs?: number;
  /**
   * Fair queuing between tenants (docs/fair-queuing.md): waiting jobs ordered by their tenant's
   * virtual time instead of first in, first out. Every process enqueueing on the queue must agree.
   * Default true.
   */
  fair?: boolean;
}

export class BullTaskQueue implements TaskQueuePort, TaskConsumer {
  /** The Bull queue underneath (its `client` is the Redis connection the heartbeat and leases use). */
  readonly queue: TaskQueue;
  private readonly timeoutMs: number;
  private readonly enqueues: EnqueueBatcher;
  /** The handler calls in progress in this process. */
  private readonly running = new Set<Promise<unknown>>();

  /**
   * @param source a Redis URL (the adapter opens the queue with `options`), or a queue the caller
   * opened (the api opens it fail-fast and shares its connection with the cancel publisher)
   */
  constructor(source: string | TaskQueue, private readonly options: BullTaskQueueOptions = {}) {
    this.queue = typeof source === 'string' ? createTaskQueue(source, options) : source;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.enqueues = new EnqueueBatcher(this.queue, { fair: this.fair, timeoutMs: this.timeoutMs });
    const logger = options.logger;
    if (logger) this.queue.on('error', (err) => logger.error('queue error', { error_message: err.message }));
  }

  get name(): string {
    return this.queue.name;
  }

  /** Resolves once Redis answers. */
  async ready(): Promise<void> {
    await this.queue.isReady();
  }

  /** True when Redis answers a PING within `timeoutMs` (readiness). */
  ping(timeoutMs: number): Promise<boolean> {
    return pingQueue(this.queue, timeoutMs);
  }

  /** True when jobs are placed by fair queuing between tenants. */
  get fair(): boolean {
    return this.options.fair ?? true;
  }

  /** The enqueues of one event-loop turn share their round trips (enqueue-batcher.ts); each is bounded by `timeoutMs`. */
  enqueue(taskId: string, options: EnqueueOptions): Promise<void> {
    return this.enqueues.enqueue(taskId, options.tenant);
  }

  /**
   * The tenants with jobs waiting in the fair queue and roughly how many each (largest first, at
   * most `limit`); empty with fair queuing off. Also drops the state of tenants that caught up.
   */
  tenantBacklog(limit = 20): Promise<TenantBacklog[]> {
    if (!this.fair) return Promise.resolve([]);
    return withTimeout(
      fairBacklog(this.queue, limit).then((b) => b.tenants),
      this.timeoutMs,
      'Reading the fair queue',
    );
  }

  jobState(taskId: string): Promise<JobState> {
    const read = async (): Promise<JobState> => {
      const job = await this.queue.getJob(taskId);
      if (!job) return 'missing';
      const state = await job.getState();
      return JOB_STATES.has(state) ? (state as JobState) : 'missing';
    };
    return withTimeout(read(), this.timeoutMs, 'Reading the job');
  }

  remove(taskId: string): Promise<RemoveOutcome> {
    const remove = async (): Promise<RemoveOutcome> => {
      const job = await this.queue.getJob(taskId);
      if (!job) return 'missing';
      try {
        await job.remove();
        return 'removed';
      } catch (err) {
        // Bull refuses to remove a job a worker holds the lock of; any other failure is the queue's.
        if (await job.isActive().catch(() => false)) return 'locked';
        throw err;
      }
    };
    return withTimeout(remove(), this.timeoutMs, 'Removing the job');
  }

  counts(): Promise<QueueCounts> {
    const count = async (): Promise<QueueCounts> => {
      const counts = (await this.queue.getJobCounts()) as unknown as Partial<Record<keyof QueueCounts, unknown>>;
      const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
      return { waiting: n(counts.waiting), active: n(counts.active), delayed: n(counts.delayed), failed: n(counts.failed), completed: n(counts.completed), paused: n(counts.paused) };
    };
    return withTimeout(count(), this.timeoutMs, 'Counting the jobs');
  }

  async consume(handler: (delivery: TaskDelivery) => Promise<unknown>, options: ConsumeOptions): Promise<void> {
    const { onFailed } = options;
    if (onFailed) {
      this.queue.on('failed', (job, error) => {
        const taskId = job.data?.task_id;
        // Bull counts this attempt in attemptsMade before telling.
        const maxDeliveries = job.opts.attempts ?? 1;
        onFailed({ task_id: typeof taskId === 'string' ? taskId : '', delivery: job.attemptsMade, willRetry: job.attemptsMade < maxDeliveries, maxDeliveries, error });
      });
    }
    void this.queue.process(PROCESS_TASK_JOB, options.concurrency, async (job) => {
      const taskId = job.data?.task_id;
      if (!isUuidV4(taskId)) {
        this.options.logger?.warn('discarding malformed job', { job_id: String(job.id) });
        return 'missing';
      }
      const tenant = job.data.tenant;
      const run = handler({ task_id: taskId, delivery: job.attemptsMade + 1, ...(typeof tenant === 'string' ? { tenant } : {}) });
      this.running.add(run);
      return run.finally(() => this.running.delete(run));
    });
    await this.queue.isReady();
  }

  /** A local pause: this consumer takes no new job; resolves when its running ones are done (`pauseLocally`). */
  pause(): Promise<void> {
    return pauseLocally(this.queue, this.running, 'queue', this.options.logger);
  }

  /**
   * Closes the queue's connections. `force`: without waiting for running jobs, so neither their
   * completion nor their failure reaches Redis and their locks stop being renewed.
   */
  async close(force = false): Promise<void> {
    await this.queue.close(force);
  }
}
