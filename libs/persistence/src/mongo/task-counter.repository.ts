import { ValidationError, startOfUtcDay, utcDayKey } from '@agent-orchestrator/domain';

import {
  applyPaths,
  counterOperators,
  counterPaths,
  dayId,
  documentUpdates,
  figuresOf,
  historyPoints,
  mergeUpdate,
  minuteId,
  minuteStart,
  rebuiltPaths,
  tenantDayId,
  type CounterDoc,
  type DocUpdate,
} from '../counters/counter-docs';
import { guard, type ErrorContext } from '../errors';
import { TASK_COUNTERS_COLLECTION, type TaskCountersModel } from '../models/task-counters.model';
import type { TaskModel } from '../models/task.model';
import type { AgentRunRepository, SystemMetricsSnapshot, TaskRepository } from '../repositories';
import { MAX_HISTORY_MINUTES, type CounterIncrement, type DayCounters, type QueueSample, type TaskCounterRepository } from '../task-counters';
import { dateArg, limitArg } from './guards';

/** Where a rebuild reads the day from: the aggregations the counters replace on the read path. */
export interface CounterSources {
  tasks: Pick<TaskRepository, 'dayStats'>;
  agentRuns: Pick<AgentRunRepository, 'usageDayStats'>;
  /** For the day's latencies (`{finished_day, latency_ms}` index, covered). */
  taskModel: TaskModel;
}

interface Pending {
  update: DocUpdate;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/**
 * `task_counters` on MongoDB. Writes are coalesced: while one write is in flight, later increments
 * are merged per document, and the next write sends every document's merged update in one unordered
 * `bulkWrite` (one round trip, each document once). So one process never has two concurrent `$inc`s
 * on one document (FerretDB v1 applies updates as read-then-write and would lose one), and a busy
 * process writes far fewer updates, and far fewer round trips, than moves.
 */
export class MongoTaskCounterRepository implements TaskCounterRepository {
  private readonly pending = new Map<string, Pending>();
  /** The drain writing the pending updates, while one runs. */
  private writing: Promise<void> | undefined;

  constructor(
    private readonly model: TaskCountersModel,
    private readonly ctx: ErrorContext,
    private readonly sources: CounterSources,
  ) {}

  async increment(increments: readonly CounterIncrement[]): Promise<void> {
    for (const x of increments) {
      if (typeof x?.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(x.day))
        throw new ValidationError('increment.day must be YYYY-MM-DD', [{ field: 'day', message: `got ${String(x?.day)}` }]);
      dateArg(x.at, 'at');
    }
    await Promise.all([...documentUpdates(increments)].map(([id, update]) => this.write(id, update)));
  }

  async day(now: Date, options: { maxTimeMs?: number } = {}): Promise<DayCounters> {
    const at = dateArg(now, 'now');
    return guard(TASK_COUNTERS_COLLECTION, this.ctx, async () => {
      const doc = await this.model.collection.findOne<CounterDoc>(
        { _id: dayId(utcDayKey(at)) as never },
        options.maxTimeMs === undefined ? {} : { maxTimeMS: options.maxTimeMs },
      );
      return figuresOf(counterPaths(doc), at);
    });
  }

  async tenantDay(tenant: string, now: Date): Promise<DayCounters> {
    const at = dateArg(now, 'now');
    if (typeof tenant !== 'string' || tenant === '') throw new ValidationError('tenant must be a tenant id', [{ field: 'tenant', message: `got ${String(tenant)}` }]);
    return guard(TASK_COUNTERS_COLLECTION, this.ctx, async () => {
      const doc = await this.model.collection.findOne<CounterDoc>({ _id: tenantDayId(tenant, utcDayKey(at)) as never });
      return figuresOf(counterPaths(doc), at);
    });
  }

  async history(range: { from: Date; to: Date; limit: number }): Promise<SystemMetricsSnapshot[]> {
    const from = dateArg(range.from, 'from');
    const to = dateArg(range.to, 'to');
    const limit = Math.min(MAX_HISTORY_MINUTES, limitArg(range.limit));
    if (limit === 0 || from >= to) return [];
    return guard(TASK_COUNTERS_COLLECTION, this.ctx, async () => {
      // From the start of from's day: a point's figures are the running sum of its day's minutes.
      const docs = await this.model.collection
        .find<CounterDoc>({ _id: { $gte: minuteId(startOfUtcDay(from)), $lte: minuteId(to) } as never })
        .sort({ _id: 1 })
        .limit(limit + 1440)
        .toArray();
      return historyPoints(docs, { from, to, limit });
    });
  }

  async recordQueue(at: Date, queue: QueueSample): Promise<void> {
    const when = dateArg(at, 'at');
    const q = { waiting: queue.waiting, active: queue.active, delayed: queue.delayed, failed: queue.failed, completed: queue.completed, paused: queue.paused };
    await this.write(minuteId(when), { inc: {}, setOnInsert: { day: utcDayKey(when), minute_start: minuteStart(when) }, set: { queue: q }, at: when });
  }

  async rebuildDay(day: Date, options: { maxTimeMs?: number } = {}): Promise<DayCounters> {
    const at = dateArg(day, 'day');
    const finished_day = utcDayKey(at);
    return guard(TASK_COUNTERS_COLLECTION, this.ctx, async () => {
      let latencyQuery = this.sources.taskModel.find({ finished_day }).select({ _id: 0, latency_ms: 1 });
      if (options.maxTimeMs !== undefined) latencyQuery = latencyQuery.maxTimeMS(options.maxTimeMs);
      const [tasks, usage, rows] = await Promise.all([
        this.sources.tasks.dayStats(at, options),
        this.sources.agentRuns.usageDayStats(at, options),
        latencyQuery.lean(),
      ]);
      const latencies = rows.map((r) => r.latency_ms).filter((ms): ms is number => typeof ms === 'number' && Number.isFinite(ms));
      const flat = rebuiltPaths({ tasks, usage }, latencies);
      const id = dayId(finished_day);
      const doc = applyPaths({ _id: id, day: finished_day, updated_at: new Date() }, flat);
      await this.model.collection.replaceOne({ _id: id as never }, doc, { upsert: true });
      return figuresOf(flat, at);
    });
  }

  async deleteMinutesBefore(cutoff: Date): Promise<number> {
    const before = dateArg(cutoff, 'cutoff');
    return guard(TASK_COUNTERS_COLLECTION, this.ctx, async () => {
      const res = await this.model.collection.deleteMany({ minute_start: { $lt: before } });
      return res.deletedCount ?? 0;
    });
  }

  /** Queues the update of one document; resolves once it (merged with others, maybe) is written. */
  private write(id: string, update: DocUpdate): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending = this.pending.get(id);
      if (pending) {
        mergeUpdate(pending.update, update);
        pending.waiters.push({ resolve, reject });
      } else {
        this.pending.set(id, { update: { ...update, inc: { ...update.inc }, set: { ...update.set } }, waiters: [{ resolve, reject }] });
      }
      this.writing ??= this.drain().finally(() => {
        this.writing = undefined;
      });
    });
  }

  /**
   * Writes the pending updates of every document in one unordered bulk write, then what was queued
   * meanwhile, until nothing is left: one write in flight at a time, each document at most once in it.
   * A failed write fails every update in it: which of its documents were written is not known
   * (FerretDB v1 stops at a failing update even unordered, and reports the wrong index).
   */
  private async drain(): Promise<void> {
    // Lets the updates of the caller's current turn (a move's day, minute and tenant documents) join.
    await Promise.resolve();
    while (this.pending.size > 0) {
      const batch = [...this.pending.values()];
      const ids = [...this.pending.keys()];
      this.pending.clear();
      try {
        await guard(TASK_COUNTERS_COLLECTION, this.ctx, () =>
          this.model.collection.bulkWrite(
            batch.map(({ update }, i) => ({ updateOne: { filter: { _id: ids[i] as never }, update: updateOf(update), upsert: true } })),
            { ordered: false },
          ),
        );
        for (const { waiters } of batch) for (const w of waiters) w.resolve();
      } catch (err) {
        for (const { waiters } of batch) for (const w of waiters) w.reject(err);
      }
    }
  }
}

/** A document's update: sums by $inc; the day's largest and smallest latency by $max / $min. */
function updateOf(update: DocUpdate): Record<string, unknown> {
  const { set, setOnInsert, at } = update;
  const { inc, max, min } = counterOperators(update.inc);
  return {
    ...(Object.keys(inc).length > 0 ? { $inc: inc } : {}),
    ...(Object.keys(set).length > 0 ? { $set: set } : {}),
    $setOnInsert: setOnInsert,
    $max: { updated_at: at, ...max },
    ...(Object.keys(min).length > 0 ? { $min: min } : {}),
  };
}
