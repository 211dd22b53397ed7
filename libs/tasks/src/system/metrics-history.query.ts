import { ValidationError } from '@agent-orchestrator/domain';
import { MAX_HISTORY_MINUTES, type SystemMetricsSnapshot, type TaskCounterRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';

const HOUR_MS = 3_600_000;
/** Range when none is given: the last day. */
export const DEFAULT_HISTORY_RANGE_MS = 24 * HOUR_MS;
/** Longest range one request may ask for. */
export const MAX_HISTORY_RANGE_MS = 7 * 24 * HOUR_MS;
/** Most snapshots one answer holds: a week at one a minute. */
export const MAX_HISTORY_POINTS = MAX_HISTORY_MINUTES;

export interface MetricsHistory {
  from: Date;
  to: Date;
  /** One point per minute in [from, to) with activity or a queue sample, oldest first. */
  snapshots: SystemMetricsSnapshot[];
}

/**
 * The system's figures over time, minute by minute, from the running counters (`task_counters`):
 * each point holds the figures of its UTC day as they stood at the end of that minute, and the
 * queue's counts a worker sampled in it. Without a range, the last 24 hours;
 * with only `from`, 24 hours from it (not past now); with only `to`, the 24 hours before it.
 * @throws ValidationError when `from` is after `to` or the range is longer than 7 days
 */
export class GetMetricsHistory {
  constructor(private readonly deps: { counters: Pick<TaskCounterRepository, 'history'>; now: () => Date }) {}

  async execute(range: { from?: Date; to?: Date }): Promise<MetricsHistory> {
    const now = this.deps.now();
    const to = range.to ?? (range.from ? new Date(Math.min(now.getTime(), range.from.getTime() + DEFAULT_HISTORY_RANGE_MS)) : now);
    const from = range.from ?? new Date(to.getTime() - DEFAULT_HISTORY_RANGE_MS);
    if (from > to) throw new ValidationError('The query parameters are invalid.', [{ field: 'from', message: 'from must not be after to' }]);
    if (to.getTime() - from.getTime() > MAX_HISTORY_RANGE_MS) {
      throw new ValidationError('The query parameters are invalid.', [
        { field: 'to', message: 'the range from..to must be at most 7 days; ask for several ranges' },
      ]);
    }
    const snapshots = await fromStore(
      () => this.deps.counters.history({ from, to, limit: MAX_HISTORY_POINTS }),
      'The metrics history could not be read because the database is unavailable. Try again shortly.',
    );
    return { from, to, snapshots };
  }
}
