import { TASK_STATUSES, type TaskStatus } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { DuplicateKeyError, guard, type ErrorContext } from '../errors';
import { SYSTEM_METRICS_COLLECTION, type SystemMetricsModel } from '../models/system-metrics.model';
import { MAX_SNAPSHOTS, type SystemMetricsRepository, type SystemMetricsSnapshot, type UsageFigures } from '../repositories';
import { toUsageTotals as totals } from './mappers';
import { dateArg, limitArg } from './guards';

type Doc = Record<string, unknown>;

export class MongoSystemMetricsRepository implements SystemMetricsRepository {
  constructor(
    private readonly model: SystemMetricsModel,
    private readonly ctx: ErrorContext,
  ) {}

  async record(s: SystemMetricsSnapshot): Promise<boolean> {
    const doc = {
      interval_start: dateArg(s.interval_start, 'interval_start'),
      taken_at: dateArg(s.taken_at, 'taken_at'),
      queue_length: s.queue ? s.queue.waiting + s.queue.delayed : null,
      queue: s.queue,
      tasks_by_status: s.tasks_by_status,
      tasks_by_agent: s.tasks_by_agent ?? [],
      latency_count: s.latency?.count ?? null,
      avg_latency_ms: s.latency?.avg_ms ?? null,
      p95_latency_ms: s.latency?.p95_ms ?? null,
      usage: s.usage,
    };
    try {
      await guard(SYSTEM_METRICS_COLLECTION, this.ctx, () => this.model.create(doc));
      return true;
    } catch (err) {
      // The unique interval_start: another worker took this interval's snapshot first.
      if (err instanceof DuplicateKeyError) return false;
      throw err;
    }
  }

  async list(range: { from: Date; to: Date; limit: number }): Promise<SystemMetricsSnapshot[]> {
    const from = dateArg(range.from, 'from');
    const to = dateArg(range.to, 'to');
    const limit = Math.min(MAX_SNAPSHOTS, limitArg(range.limit));
    if (limit === 0) return [];
    return guard(SYSTEM_METRICS_COLLECTION, this.ctx, async () => {
      const docs = await this.model
        .find({ interval_start: mongoose.trusted({ $gte: from, $lt: to }) })
        .sort({ interval_start: 1 })
        .limit(limit)
        .lean();
      return docs.map(toSnapshot);
    });
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const before = dateArg(cutoff, 'cutoff');
    return guard(SYSTEM_METRICS_COLLECTION, this.ctx, async () => {
      const res = await this.model.deleteMany({ interval_start: mongoose.trusted({ $lt: before }) });
      return res.deletedCount ?? 0;
    });
  }
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Doc | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Doc) : null);
const arr = (v: unknown): Doc[] => (Array.isArray(v) ? v.map((x) => obj(x) ?? {}) : []);
const date = (v: unknown): Date => (v instanceof Date ? new Date(v.getTime()) : new Date(Number.NaN));

function toUsage(value: unknown): UsageFigures | null {
  const d = obj(value);
  if (!d) return null;
  return {
    ...totals(d),
    by_agent: arr(d['by_agent']).map((a) => ({ agent_name: String(a['agent_name'] ?? ''), ...totals(a) })),
    by_model: arr(d['by_model']).map((m) => ({ model: String(m['model'] ?? ''), ...totals(m) })),
  };
}

function toSnapshot(value: unknown): SystemMetricsSnapshot {
  const d = obj(value) ?? {};
  const q = obj(d['queue']);
  const byStatus = obj(d['tasks_by_status']);
  const latencyCount = numOrNull(d['latency_count']);
  return {
    interval_start: date(d['interval_start']),
    taken_at: date(d['taken_at']),
    queue: q && {
      waiting: num(q['waiting']),
      active: num(q['active']),
      delayed: num(q['delayed']),
      failed: num(q['failed']),
      completed: num(q['completed']),
      paused: num(q['paused']),
    },
    tasks_by_status: byStatus && (Object.fromEntries(TASK_STATUSES.map((s) => [s, num(byStatus[s])])) as Record<TaskStatus, number>),
    tasks_by_agent: byStatus
      ? arr(d['tasks_by_agent']).map((a) => ({
          agent_name: String(a['agent_name'] ?? ''),
          agent_type: typeof a['agent_type'] === 'string' ? a['agent_type'] : null,
          count: num(a['count']),
        }))
      : null,
    latency: latencyCount === null ? null : { count: latencyCount, avg_ms: numOrNull(d['avg_latency_ms']), p95_ms: numOrNull(d['p95_latency_ms']) },
    usage: toUsage(d['usage']),
  };
}
