/**
 * The periodic snapshot of the system figures into `system_metrics`
 * (GET /v1/system/metrics/history). Each snapshot is keyed by the start of its
 * interval. The worker that claims the interval first (`Claims`, shared by
 * every worker) is the only one to run the day's aggregations and write it;
 * the unique `interval_start` still guarantees one write per interval when the
 * claims cannot be reached, in which case every worker computes as before.
 */
import { dayFigures, type Repositories, type SystemMetricsSnapshot } from '@agent-orchestrator/persistence';
import type { Claims } from '../ports/lease.port';

export interface SnapshotDeps {
  repositories: Pick<Repositories, 'tasks' | 'agentRuns' | 'systemMetrics'>;
  /** The queue's job counts (`TaskQueue.counts`). */
  queueCounts: () => Promise<Partial<Record<keyof NonNullable<SystemMetricsSnapshot['queue']>, number>>>;
  now: () => Date;
  intervalMs: number;
  /** Bound on each database query. */
  maxTimeMs?: number;
  /** Who takes each interval's snapshot. Without it every caller computes and the unique index picks the write. */
  claims?: Claims;
}

/** Start of the interval `at` falls in, aligned on the epoch so every worker computes the same one. */
export function intervalStart(at: Date, intervalMs: number): Date {
  return new Date(Math.floor(at.getTime() / intervalMs) * intervalMs);
}

/** The claim key of an interval's snapshot. */
export function snapshotClaimKey(interval_start: Date): string {
  return `metrics-snapshot:${interval_start.toISOString()}`;
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);

/** Whether this caller takes the interval's snapshot: it claimed it, or the claims cannot be reached. */
async function wins(deps: SnapshotDeps, interval_start: Date): Promise<boolean> {
  if (!deps.claims) return true;
  try {
    // Twice the interval: long past the last moment any worker could ask for this one.
    return await deps.claims.claim(snapshotClaimKey(interval_start), 2 * deps.intervalMs);
  } catch {
    return true;
  }
}

/** Reads the figures and stores them; returns the snapshot, or null when another worker takes (or took) this interval's. */
export async function takeMetricsSnapshot(deps: SnapshotDeps): Promise<SystemMetricsSnapshot | null> {
  const at = deps.now();
  const interval_start = intervalStart(at, deps.intervalMs);
  if (!(await wins(deps, interval_start))) return null;
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
