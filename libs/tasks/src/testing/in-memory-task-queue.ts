import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';
import type { ConsumeOptions, JobState, QueueCounts, RemoveOutcome, TaskConsumer, TaskDelivery, TaskQueue } from '../ports/task-queue.port';

interface Job {
  state: JobState;
  deliveries: number;
}

/**
 * The queue port in memory, producer and consumer sides, for unit tests of the
 * use cases: one job per task id, deliveries retried up to `maxDeliveries` when
 * the handler throws, `concurrency` at a time. `unavailable = true` makes every
 * call fail like an unreachable Redis. Integration tests use the Bull adapter.
 */
export class InMemoryTaskQueue implements TaskQueue, TaskConsumer {
  readonly jobs = new Map<string, Job>();
  /** Every task id enqueued, in order (a duplicate enqueue of a live job is not recorded). */
  readonly enqueued: string[] = [];
  unavailable = false;
  private handler: ((delivery: TaskDelivery) => Promise<unknown>) | null = null;
  private options: ConsumeOptions = { concurrency: 1 };
  private paused = false;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly maxDeliveries = 3) {}

  async enqueue(taskId: string): Promise<void> {
    this.check();
    if (this.jobs.has(taskId)) return;
    this.jobs.set(taskId, { state: 'waiting', deliveries: 0 });
    this.enqueued.push(taskId);
    this.pump();
  }

  async jobState(taskId: string): Promise<JobState> {
    this.check();
    return this.jobs.get(taskId)?.state ?? 'missing';
  }

  async remove(taskId: string): Promise<RemoveOutcome> {
    this.check();
    const job = this.jobs.get(taskId);
    if (!job) return 'missing';
    if (job.state === 'active') return 'locked';
    this.jobs.delete(taskId);
    return 'removed';
  }

  async counts(): Promise<QueueCounts> {
    this.check();
    const counts: QueueCounts = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 };
    for (const { state } of this.jobs.values()) if (state in counts) counts[state as keyof QueueCounts] += 1;
    return counts;
  }

  async consume(handler: (delivery: TaskDelivery) => Promise<unknown>, options: ConsumeOptions): Promise<void> {
    this.handler = handler;
    this.options = options;
    this.paused = false;
    this.pump();
  }

  async pause(): Promise<void> {
    this.paused = true;
    await this.idle();
  }

  /** Resolves when no job is running (waiting ones stay while paused or without a consumer). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Resolves when every job has finished (completed or failed for good). */
  async drained(): Promise<void> {
    for (;;) {
      await this.idle();
      if (![...this.jobs.values()].some((j) => j.state === 'waiting' && this.handler && !this.paused)) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private check(): void {
    if (this.unavailable) throw new OrchestratorError(ErrorType.SERVICE_UNAVAILABLE, 'The queue is unavailable (in-memory queue set unavailable).', { retryable: true });
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler || this.paused) return;
    for (const [taskId, job] of this.jobs) {
      if (this.running.size >= this.options.concurrency) return;
      if (job.state !== 'waiting') continue;
      job.state = 'active';
      job.deliveries += 1;
      const delivery: TaskDelivery = { task_id: taskId, delivery: job.deliveries };
      const run: Promise<void> = handler(delivery).then(
        () => {
          job.state = 'completed';
        },
        (err: unknown) => {
          const willRetry = job.deliveries < this.maxDeliveries;
          job.state = willRetry ? 'waiting' : 'failed';
          const error = err instanceof Error ? err : new Error(String(err));
          this.options.onFailed?.({ ...delivery, willRetry, maxDeliveries: this.maxDeliveries, error });
        },
      );
      const tracked = run.finally(() => {
        this.running.delete(tracked);
        this.pump();
      });
      this.running.add(tracked);
    }
  }
}
