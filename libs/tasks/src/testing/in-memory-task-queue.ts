import { DEFAULT_TENANT, ErrorType, OrchestratorError } from '@agent-orchestrator/domain';
import type { ConsumeOptions, EnqueueOptions, JobState, QueueCounts, RemoveOutcome, TaskConsumer, TaskDelivery, TaskQueue } from '../ports/task-queue.port';

interface Job {
  state: JobState;
  deliveries: number;
  tenant: string;
  /** Fair queuing's virtual-time tag (0 with fair queuing off). */
  tag: number;
  /** Arrival in the waiting set: ties of `tag` go first in, first out. */
  seq: number;
}

export interface InMemoryTaskQueueOptions {
  /** Deliveries of a job whose handler throws, before it fails for good. Default 3. */
  maxDeliveries?: number;
  /**
   * Fair queuing between tenants, the same ordering as the Bull adapter (messaging's fair-queue.ts,
   * docs/fair-queuing.md): a job's tag is max(V, its tenant's last tag) + 1, the lowest tag runs
   * next. Off: first in, first out. Default true.
   */
  fair?: boolean;
}

/**
 * The queue port in memory, producer and consumer sides, for unit tests of the
 * use cases: one job per task id, deliveries retried up to `maxDeliveries` when
 * the handler throws, `concurrency` at a time, waiting jobs taken in the fair
 * queue's order. `unavailable = true` makes every call fail like an
 * unreachable Redis. Integration tests use the Bull adapter.
 */
export class InMemoryTaskQueue implements TaskQueue, TaskConsumer {
  readonly jobs = new Map<string, Job>();
  /** Every task id enqueued, in order (a duplicate enqueue of a live job is not recorded). */
  readonly enqueued: string[] = [];
  /** Every task id in the order the consumer took it (redeliveries included). */
  readonly started: string[] = [];
  unavailable = false;
  private handler: ((delivery: TaskDelivery) => Promise<unknown>) | null = null;
  private options: ConsumeOptions = { concurrency: 1 };
  private paused = false;
  private readonly running = new Set<Promise<void>>();
  private readonly maxDeliveries: number;
  private readonly fair: boolean;
  /** Virtual time: every tag up to it has left the waiting set (computed afresh at each enqueue). */
  private virtualTime = 0;
  private maxTag = 0;
  private readonly lastTag = new Map<string, number>();
  private seq = 0;

  constructor(options: number | InMemoryTaskQueueOptions = {}) {
    const o = typeof options === 'number' ? { maxDeliveries: options } : options;
    this.maxDeliveries = o.maxDeliveries ?? 3;
    this.fair = o.fair ?? true;
  }

  async enqueue(taskId: string, options: EnqueueOptions): Promise<void> {
    this.check();
    if (this.jobs.has(taskId)) return;
    const tenant = options.tenant;
    this.jobs.set(taskId, { state: 'waiting', deliveries: 0, tenant, tag: this.fair ? this.nextTag(tenant) : 0, seq: (this.seq += 1) });
    this.enqueued.push(taskId);
    this.pump();
  }

  /** Puts a job in `state` directly (a spec's setup: a job that finished, failed for good...). */
  put(taskId: string, state: JobState, deliveries = 1, tenant = DEFAULT_TENANT): void {
    this.jobs.set(taskId, { state, deliveries, tenant, tag: 0, seq: (this.seq += 1) });
  }

  /** Tags between the virtual time and each tenant's last tag, tenants with jobs waiting only, largest first (what BullTaskQueue.tenantBacklog answers). */
  tenantBacklog(): Array<{ tenant: string; waiting: number }> {
    this.advance();
    return [...this.lastTag]
      .filter(([, last]) => last > this.virtualTime)
      .map(([tenant, last]) => ({ tenant, waiting: last - this.virtualTime }))
      .sort((a, b) => b.waiting - a.waiting || a.tenant.localeCompare(b.tenant));
  }

  private nextTag(tenant: string): number {
    this.advance();
    const tag = Math.max(this.virtualTime, this.lastTag.get(tenant) ?? 0) + 1;
    this.lastTag.set(tenant, tag);
    this.maxTag = Math.max(this.maxTag, tag);
    return tag;
  }

  /** V = the lowest waiting tag - 1, or the highest tag given when nothing waits. */
  private advance(): void {
    let lowest = Infinity;
    for (const job of this.jobs.values()) if (job.state === 'waiting' && job.tag > 0) lowest = Math.min(lowest, job.tag);
    this.virtualTime = lowest === Infinity ? this.maxTag : lowest - 1;
  }

  /** The waiting job to run next: lowest tag, then first in. */
  private next(): [string, Job] | undefined {
    let best: [string, Job] | undefined;
    for (const entry of this.jobs) {
      const job = entry[1];
      if (job.state !== 'waiting') continue;
      if (!best || job.tag < best[1].tag || (job.tag === best[1].tag && job.seq < best[1].seq)) best = entry;
    }
    return best;
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
    while (this.running.size < this.options.concurrency) {
      const picked = this.next();
      if (!picked) return;
      const [taskId, job] = picked;
      job.state = 'active';
      job.deliveries += 1;
      this.started.push(taskId);
      const delivery: TaskDelivery = { task_id: taskId, delivery: job.deliveries, tenant: job.tenant };
      const run: Promise<void> = handler(delivery).then(
        () => {
          job.state = 'completed';
        },
        (err: unknown) => {
          const willRetry = job.deliveries < this.maxDeliveries;
          // Like Bull: a redelivered job keeps its tag (it was its turn already) and queues behind equal tags.
          job.state = willRetry ? 'waiting' : 'failed';
          job.seq = this.seq += 1;
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
