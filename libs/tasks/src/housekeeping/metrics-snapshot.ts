/**
 * The queue sample of the metrics history (GET /v1/system/metrics/history). Every other figure of
 * the history comes from the running counters (`task_counters`, kept by system/task-counting.ts);
 * the queue's counts live in the queue, so a worker samples them into the minute's counter
 * document once per interval. The worker that claims the interval (`Claims`, shared by every
 * worker) takes the sample; when the claims cannot be reached every worker samples, and the last
 * sample of the minute wins (they read the same queue).
 */
import type { QueueSample, Repositories } from '@agent-orchestrator/persistence';
import type { Claims } from '../ports/lease.port';

export interface SnapshotDeps {
  repositories: Pick<Repositories, 'taskCounters'>;
  /** The queue's job counts (`TaskQueue.counts`). */
  queueCounts: () => Promise<Partial<Record<keyof QueueSample, number>>>;
  now: () => Date;
  intervalMs: number;
  /** Who takes each interval's sample. Without it every caller samples. */
  claims?: Claims;
}

/** Start of the interval `at` falls in, aligned on the epoch so every worker computes the same one. */
export function intervalStart(at: Date, intervalMs: number): Date {
  return new Date(Math.floor(at.getTime() / intervalMs) * intervalMs);
}

/** The claim key of an interval's sample. */
export function snapshotClaimKey(interval_start: Date): string {
  return `metrics-snapshot:${interval_start.toISOString()}`;
}

const count = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0);

/** Whether this caller takes the interval's sample: it claimed it, or the claims cannot be reached. */
async function wins(deps: SnapshotDeps, interval_start: Date): Promise<boolean> {
  if (!deps.claims) return true;
  try {
    // Twice the interval: long past the last moment any worker could ask for this one.
    return await deps.claims.claim(snapshotClaimKey(interval_start), 2 * deps.intervalMs);
  } catch {
    return true;
  }
}

/**
 * Reads the queue's counts and stores them in the current minute's counter document; returns the
 * sample, or null when another worker takes (or took) this interval's, or the queue cannot be read.
 */
export async function takeMetricsSnapshot(deps: SnapshotDeps): Promise<QueueSample | null> {
  const at = deps.now();
  if (!(await wins(deps, intervalStart(at, deps.intervalMs)))) return null;
  const q = await deps.queueCounts();
  const sample: QueueSample = {
    waiting: count(q.waiting),
    active: count(q.active),
    delayed: count(q.delayed),
    failed: count(q.failed),
    completed: count(q.completed),
    paused: count(q.paused),
  };
  await deps.repositories.taskCounters.recordQueue(at, sample);
  return sample;
}
