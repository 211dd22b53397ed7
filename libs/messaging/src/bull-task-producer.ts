/**
 * The producer's side of the task queue port (`TaskQueue` of @agent-orchestrator/tasks) on the
 * Bull queue: what the api needs. The worker's consumer side is another adapter.
 */
import type { JobState, QueueCounts, RemoveOutcome, TaskQueue as TaskQueuePort } from '@agent-orchestrator/tasks';
import { QueueUnavailableError, enqueueTask, pingQueue, type TaskQueue as BullQueue } from './queue';

/** Rejects after `ms` with a QueueUnavailableError; Bull would otherwise wait for Redis indefinitely. */
function withTimeout<T>(work: () => Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`${what} timed out after ${ms} ms: Redis is unreachable`)), ms);
  });
  return Promise.race([work(), timeout]).finally(() => clearTimeout(timer));
}

const JOB_STATES: ReadonlySet<string> = new Set<JobState>(['waiting', 'delayed', 'active', 'paused', 'completed', 'failed', 'stuck']);

export interface BullTaskProducerOptions {
  /** How long each call may take before it fails with QueueUnavailableError (ENQUEUE_TIMEOUT_MS). */
  timeoutMs: number;
}

export class BullTaskProducer implements TaskQueuePort {
  constructor(
    private readonly queue: BullQueue,
    private readonly options: BullTaskProducerOptions,
  ) {}

  enqueue(taskId: string): Promise<void> {
    return enqueueTask(this.queue, taskId, this.options.timeoutMs);
  }

  jobState(taskId: string): Promise<JobState> {
    return withTimeout(
      async () => {
        const job = await this.queue.getJob(taskId);
        if (!job) return 'missing';
        const state = await job.getState();
        return JOB_STATES.has(state) ? (state as JobState) : 'missing';
      },
      this.options.timeoutMs,
      'Reading the job',
    );
  }

  remove(taskId: string): Promise<RemoveOutcome> {
    return withTimeout(
      async () => {
        const job = await this.queue.getJob(taskId);
        if (!job) return 'missing';
        try {
          await job.remove();
          return 'removed';
        } catch (err) {
          // Bull refuses to remove a job a worker holds the lock of.
          if (await job.isActive().catch(() => false)) return 'locked';
          throw err;
        }
      },
      this.options.timeoutMs,
      'Removing the job',
    );
  }

  counts(): Promise<QueueCounts> {
    return withTimeout(
      async () => {
        const c: Partial<Record<keyof QueueCounts, number>> = await this.queue.getJobCounts();
        return { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0, completed: c.completed ?? 0, paused: c.paused ?? 0 };
      },
      this.options.timeoutMs,
      'Counting the jobs',
    );
  }

  /** True when Redis answers a PING within `timeoutMs` (readiness). */
  ping(timeoutMs: number): Promise<boolean> {
    return pingQueue(this.queue, timeoutMs);
  }
}
