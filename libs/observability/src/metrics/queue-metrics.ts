import { Gauge, type Registry } from 'prom-client';

/** The Bull job states reported by `queue_jobs{state}`. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'paused'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];
export type QueueCounts = Record<QueueState, number>;

/** What this needs of a Bull queue. */
export interface CountableQueue {
  /** Bull's answer: `{ waiting, active, ... }` (its JobCounts type also leaves out `paused`, which it does return). */
  getJobCounts(): Promise<object>;
}

/** Bull's job counts, or rejects after `timeoutMs` (Bull would wait for an unreachable Redis indefinitely). */
export async function queueJobCounts(queue: CountableQueue, timeoutMs: number): Promise<QueueCounts> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue job counts timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const counts = (await Promise.race([queue.getJobCounts(), timeout])) as Partial<Record<string, unknown>>;
    return Object.fromEntries(QUEUE_STATES.map((s) => [s, Number(counts[s] ?? 0) || 0])) as QueueCounts;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `queue_jobs{state}`, read from Redis when scraped. When Redis does not answer
 * within `timeoutMs` the gauge has no series for that scrape (rather than stale
 * numbers) and the scrape itself still answers.
 */
export function registerQueueMetrics(registry: Registry, queue: CountableQueue, options: { timeoutMs?: number } = {}): Gauge<'state'> {
  const timeoutMs = options.timeoutMs ?? 1000;
  return new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in the agent_tasks Bull queue by state (waiting, active, delayed, failed, completed, paused), read at scrape time.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const counts = await queueJobCounts(queue, timeoutMs);
        for (const state of QUEUE_STATES) this.set({ state }, counts[state]);
      } catch {
        // Redis down or slow: no series this time; /readyz and the logs say why.
      }
    },
  });
}

/** What the per-tenant gauge needs: the fair queue's tenants with jobs waiting (largest first, already bounded). */
export interface TenantWaitingSource {
  tenantBacklog(): Promise<ReadonlyArray<{ tenant: string; waiting: number }>>;
}

/**
 * `queue_tenant_waiting{tenant}`: jobs waiting per tenant in the fair queue (docs/fair-queuing.md),
 * read from Redis at scrape time, for the tenants with the largest backlogs only (the source bounds
 * them: FAIR_QUEUE_METRICS_TOP_TENANTS), so the label's cardinality stays bounded. A tenant with
 * nothing waiting has no series. No series either when Redis does not answer within `timeoutMs`.
 */
export function registerTenantWaitingMetrics(registry: Registry, source: TenantWaitingSource, options: { timeoutMs?: number } = {}): Gauge<'tenant'> {
  const timeoutMs = options.timeoutMs ?? 1000;
  return new Gauge({
    name: 'queue_tenant_waiting',
    help: 'Jobs waiting in the agent_tasks queue per tenant (fair queuing; the tenants with the largest backlogs only), read at scrape time.',
    labelNames: ['tenant'],
    registers: [registry],
    async collect() {
      this.reset();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`tenant backlog timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        for (const { tenant, waiting } of await Promise.race([source.tenantBacklog(), timeout])) this.set({ tenant }, waiting);
      } catch {
        // Redis down or slow: no series this time.
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

/** `worker_jobs_in_flight`: jobs this process is running right now. */
export class InFlightJobs {
  private readonly gauge: Gauge;

  constructor(registry: Registry) {
    this.gauge = new Gauge({ name: 'worker_jobs_in_flight', help: 'Queue jobs this worker process is running right now.', registers: [registry] });
    this.gauge.set(0);
  }

  /** Runs `job`, counted as in flight until it settles. */
  async track<T>(job: () => Promise<T>): Promise<T> {
    this.gauge.inc();
    try {
      return await job();
    } finally {
      this.gauge.dec();
    }
  }
}
