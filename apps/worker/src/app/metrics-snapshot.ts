/**
 * The worker's periodic snapshot of the system figures into `system_metrics`
 * (GET /v1/system/metrics/history). Each snapshot is keyed by the start of
 * its interval and that key is unique, so with several workers exactly one
 * write per interval succeeds and the others are told so.
 */
import { dayFigures, type Repositories, type SystemMetricsSnapshot } from '@agent-orchestrator/persistence';

export interface SnapshotDeps {
  repositories: Pick<Repositories, 'tasks' | 'agentRuns' | 'systemMetrics'>;
  /** Bull's job counts (`queue.getJobCounts()`). */
  queueCounts: () => Promise<Partial<Record<keyof NonNullable<SystemMetricsSnapshot['queue']>, number>>>;
  now: () => Date;
  intervalMs: number;
  /** Bound on each database query. */
  maxTimeMs?: number;
}

/** Start of the interval `at` falls in, aligned on the epoch so every worker computes the same one. */
export function intervalStart(at: Date, intervalMs: number): Date {
  return new Date(Math.floor(at.getTime() / intervalMs) * intervalMs);
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);

/** Reads the figures and stores them; returns the snapshot, or null when another worker already took this interval's. */
export async function takeMetricsSnapshot(deps: SnapshotDeps): Promise<SystemMetricsSnapshot | null> {
  const at = deps.now();
  const interval_start = intervalStart(at, deps.intervalMs);
  const options = deps.maxTimeMs === undefined ? {} : { maxTimeMs: deps.maxTimeMs };
  // A part that cannot be read is stored as null; the rest of the snapshot is still worth keeping.
  const [day, usage, queue] = await Promise.allSettled([
    deps.repositories.tasks.dayStats(at, options),
    deps.repositories.agentRuns.usageDayStats(at, options),
    deps.queueCounts(),
  ]);
  const figures = dayFigures(day.status === 'fulfilled' ? day.value : null, usage.status === 'fulfilled' ? usage.value : null);
  const q = queue.status === 'fulfilled' ? queue.value : null;
  const snapshot: SystemMetricsSnapshot = {
    interval_start,
    taken_at: at,
    queue: q && {
      waiting: count(q.waiting),
      active: count(q.active),
      delayed: count(q.delayed),
      failed: count(q.failed),
      completed: count(q.completed),
      paused: count(q.paused),
    },
    ...figures,
  };
  return (await deps.repositories.systemMetrics.record(snapshot)) ? snapshot : null;
}
