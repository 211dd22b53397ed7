import type { TaskStatus, UsageTotals } from '@agent-orchestrator/domain';

import type { SystemMetricsSnapshot, TaskDayStats, UsageDayStats } from './repositories';

/**
 * One change of the running counters (collection `task_counters`), made by the
 * application layer when a status move or a run's usage was stored. Every part
 * is optional; counts may be negative (a task leaving a status).
 */
export interface CounterIncrement {
  /**
   * The UTC day (`YYYY-MM-DD`) whose figures change: the task's creation day for
   * `status` and `agents`, the day it finished for `latency`, the run's
   * `finished_at` day for `usage`.
   */
  day: string;
  /** The task's tenant: the change is also added to that tenant's day document (`tday:<tenant>:<day>`). */
  tenant?: string;
  /**
   * When the change happened. It is also added to that minute's document when
   * that minute belongs to `day` (the history's running figures of the day).
   */
  at: Date;
  status?: Partial<Record<TaskStatus, number>>;
  agents?: { agent_name: string; agent_type: string | null; count: number }[];
  /** A finished task's queued → finished latency: `count` 1 adds it, −1 takes it back (a retried failure). */
  latency?: { ms: number; count: 1 | -1 };
  /** One run's usage: its totals under its agent, each call's usage under its model. */
  usage?: { agent_name: string; totals: UsageTotals; by_model: (UsageTotals & { model: string })[] };
}

/** The figures of one UTC day, as `tasks.dayStats` and `agentRuns.usageDayStats` give them (p95 from the histogram). */
export interface DayCounters {
  tasks: TaskDayStats;
  usage: UsageDayStats;
}

/** The queue's job counts, sampled into the minute's document (they come from the queue, not from counters). */
export type QueueSample = NonNullable<SystemMetricsSnapshot['queue']>;

/** Largest number of points `TaskCounterRepository.history` returns (a week of minutes). */
export const MAX_HISTORY_MINUTES = 10_080;

/**
 * Running counters per UTC day (`_id: "day:2026-12-02"`) and per minute
 * (`_id: "min:2026-12-02T10:31"`): tasks by status and by agent, a latency
 * histogram, tokens and cost by agent and by model. Written with one `$inc`
 * upsert per document, read by `_id`: the cost of a read never depends on the
 * number of tasks stored. See the README ("Running counters").
 */
export interface TaskCounterRepository {
  /** Applies the increments: one upsert per document touched (the day's, and the minute's when `at` is in that day). */
  increment(increments: readonly CounterIncrement[]): Promise<void>;
  /** The figures of the UTC day containing `now`: one read by `_id`; zeros for a day without a document. */
  day(now: Date, options?: { maxTimeMs?: number }): Promise<DayCounters>;
  /** One tenant's figures of the UTC day containing `now` (`tday:<tenant>:<day>`): one read by `_id`; zeros when none. */
  tenantDay(tenant: string, now: Date): Promise<DayCounters>;
  /**
   * One point per minute document with `from <= minute < to`, oldest first, at most `limit`: the running
   * figures of the minute's UTC day at the end of that minute, and the queue sampled in it (null if none).
   */
  history(range: { from: Date; to: Date; limit: number }): Promise<SystemMetricsSnapshot[]>;
  /** Stores the queue's counts in the minute of `at` (the last sample of a minute wins). */
  recordQueue(at: Date, queue: QueueSample): Promise<void>;
  /**
   * Repair: recomputes the day containing `day` from `tasks` and `agent_runs` (the aggregations of
   * `tasks.dayStats` and `agentRuns.usageDayStats`, plus the day's latencies for the histogram) and
   * replaces that day's document. Minute documents are left as they are. Returns the rebuilt figures.
   */
  rebuildDay(day: Date, options?: { maxTimeMs?: number }): Promise<DayCounters>;
  /** Deletes minute documents older than `cutoff` (day documents are kept); returns how many. The fallback where TTL has no effect (FerretDB). */
  deleteMinutesBefore(cutoff: Date): Promise<number>;
}
