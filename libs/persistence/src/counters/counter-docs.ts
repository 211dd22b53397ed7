/**
 * The documents of `task_counters`, shared by the MongoDB repository and the
 * in-memory store: ids, the `$inc` of an increment, and the figures of a document.
 *
 * A document (day or minute) is
 * `{ _id, day, minute_start?, updated_at, status: {queued: n, …}, agents: {<agent key>: n},
 *    latency: {count, sum_ms, max_ms, min_ms, buckets: {b<i>: n}}, usage: {by_agent: {<key>: totals}, by_model: {<key>: totals}}, queue? }`.
 * A row's totals are `{prompt_tokens, completion_tokens, cost_usd, cost_unknown}`: `cost_unknown` counts
 * the additions whose cost was unknown (null, a model without a price), and a row with any reads
 * `cost_usd: null`, as does the day (an unknown cost is never added as $0).
 * Agent and model names are field names, so they are escaped (`~` + URI-encoded, `.` as `%2E`).
 */
import { TASK_STATUSES, addUsage, roundCost, startOfUtcDay, type TaskStatus, type UsageTotals } from '@agent-orchestrator/domain';

import { dayFigures } from '../day-figures';
import type { SystemMetricsSnapshot, TaskDayStats, UsageDayStats } from '../repositories';
import type { CounterIncrement, DayCounters } from '../task-counters';
import { boundedPercentile, latencyBucket } from './latency-buckets';

/** The percentile the figures report. */
export const LATENCY_PERCENTILE = 0.95;

export type Flat = Record<string, number>;
export type CounterDoc = Record<string, unknown>;

export const dayId = (day: string): string => `day:${day}`;
/** `tday:<tenant>:YYYY-MM-DD`: one tenant's figures of a day (tenant ids hold no `:`); no minute documents per tenant. */
export const tenantDayId = (tenant: string, day: string): string => `tday:${tenant}:${day}`;
/** `min:YYYY-MM-DDTHH:MM` of the minute containing `at` (UTC). */
export const minuteId = (at: Date): string => `min:${at.toISOString().slice(0, 16)}`;
export const minuteStart = (at: Date): Date => new Date(Math.floor(at.getTime() / 60_000) * 60_000);
const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

const enc = (s: string): string => `~${encodeURIComponent(s).replace(/\./g, '%2E')}`;
const dec = (key: string): string => decodeURIComponent(key.slice(1));
const agentKey = (name: string, type: string | null): string => `${enc(name)}:${type === null ? '' : `=${encodeURIComponent(type).replace(/\./g, '%2E')}`}`;
function agentOfKey(key: string): { agent_name: string; agent_type: string | null } {
  const i = key.indexOf(':');
  const type = key.slice(i + 1);
  return { agent_name: dec(key.slice(0, i)), agent_type: type === '' ? null : decodeURIComponent(type.slice(1)) };
}

/** One document's update: counters to add, fields for a new document, the time of the change. */
export interface DocUpdate {
  inc: Flat;
  setOnInsert: { day: string; minute_start?: Date };
  set: Record<string, unknown>;
  at: Date;
}

/**
 * Counters that keep an extreme instead of a sum (`$max` / `$min` in MongoDB): the largest and smallest
 * latency of the day. A taken-back latency (a retried failure) cannot lower the max or raise the min,
 * so they stay bounds of the day's latencies (never inside them), which is all the percentile needs.
 */
const EXTREMES: Readonly<Record<string, (a: number, b: number) => number>> = { 'latency.max_ms': Math.max, 'latency.min_ms': Math.min };

/** Combines `n` into the counter `path`: adds it, or keeps the extreme for the max/min counters. */
const add = (flat: Flat, path: string, n: number): void => {
  if (!Number.isFinite(n)) return;
  const pick = EXTREMES[path];
  if (pick) flat[path] = flat[path] === undefined ? n : pick(flat[path], n);
  else if (n !== 0) flat[path] = (flat[path] ?? 0) + n;
};

/** A document update's counters split by operator: `$inc`, `$max` and `$min`. */
export function counterOperators(flat: Flat): { inc: Flat; max: Flat; min: Flat } {
  const inc: Flat = {};
  const max: Flat = {};
  const min: Flat = {};
  for (const [path, n] of Object.entries(flat)) {
    if (EXTREMES[path] === Math.max) max[path] = n;
    else if (EXTREMES[path] === Math.min) min[path] = n;
    else inc[path] = n;
  }
  return { inc, max, min };
}

/** The counters one increment adds, as dotted paths. */
export function incrementPaths(x: CounterIncrement): Flat {
  const flat: Flat = {};
  for (const [status, n] of Object.entries(x.status ?? {})) add(flat, `status.${status}`, n ?? 0);
  for (const a of x.agents ?? []) add(flat, `agents.${agentKey(a.agent_name, a.agent_type)}`, a.count);
  if (x.latency) {
    const ms = Math.max(0, x.latency.ms);
    add(flat, 'latency.count', x.latency.count);
    add(flat, 'latency.sum_ms', x.latency.count * ms);
    add(flat, `latency.buckets.b${latencyBucket(ms)}`, x.latency.count);
    if (x.latency.count > 0) {
      add(flat, 'latency.max_ms', ms);
      add(flat, 'latency.min_ms', ms);
    }
  }
  if (x.usage) {
    totalsPaths(flat, `usage.by_agent.${enc(x.usage.agent_name)}`, x.usage.totals);
    for (const m of x.usage.by_model) totalsPaths(flat, `usage.by_model.${enc(m.model)}`, m);
  }
  return flat;
}

/** The counters of one row's totals: tokens, and the cost or one more unknown cost. */
function totalsPaths(flat: Flat, prefix: string, t: UsageTotals): void {
  add(flat, `${prefix}.prompt_tokens`, t.prompt_tokens);
  add(flat, `${prefix}.completion_tokens`, t.completion_tokens);
  if (t.cost_usd === null) add(flat, `${prefix}.cost_unknown`, 1);
  else add(flat, `${prefix}.cost_usd`, t.cost_usd);
}

/** The updates of a batch of increments, one per document (`_id`): the day's, and the minute's when `at` falls in that day. */
export function documentUpdates(increments: readonly CounterIncrement[]): Map<string, DocUpdate> {
  const docs = new Map<string, DocUpdate>();
  const touch = (id: string, setOnInsert: DocUpdate['setOnInsert'], at: Date): DocUpdate => {
    const doc = docs.get(id) ?? { inc: {}, setOnInsert, set: {}, at };
    if (at > doc.at) doc.at = at;
    docs.set(id, doc);
    return doc;
  };
  for (const x of increments) {
    const paths = incrementPaths(x);
    if (Object.keys(paths).length === 0) continue;
    const targets = [touch(dayId(x.day), { day: x.day }, x.at)];
    if (dayOf(x.at) === x.day) targets.push(touch(minuteId(x.at), { day: x.day, minute_start: minuteStart(x.at) }, x.at));
    // The tenant's own day (GET /v1/usage, the daily quotas): the same counters, one more document.
    if (x.tenant !== undefined) targets.push(touch(tenantDayId(x.tenant, x.day), { day: x.day }, x.at));
    for (const doc of targets) for (const [path, n] of Object.entries(paths)) add(doc.inc, path, n);
  }
  return docs;
}

/** Merges `next` into `into` (a document's pending update). */
export function mergeUpdate(into: DocUpdate, next: DocUpdate): void {
  for (const [path, n] of Object.entries(next.inc)) add(into.inc, path, n);
  Object.assign(into.set, next.set);
  if (next.at > into.at) into.at = next.at;
}

/** The numeric counters of a document as dotted paths (what `$inc` wrote). */
export function counterPaths(doc: CounterDoc | null | undefined): Flat {
  const flat: Flat = {};
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) flat[path] = value;
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    }
  };
  for (const part of ['status', 'agents', 'latency', 'usage']) walk(doc?.[part], part);
  return flat;
}

/** Adds dotted-path counters into a nested document (what `$inc`, `$max` and `$min` with upsert do). */
export function applyPaths(doc: CounterDoc, flat: Flat): CounterDoc {
  for (const [path, n] of Object.entries(flat)) {
    const pick = EXTREMES[path];
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    let node = doc as Record<string, unknown>;
    for (const k of keys) {
      const next = node[k];
      node = (typeof next === 'object' && next !== null ? next : (node[k] = {})) as Record<string, unknown>;
    }
    const current = typeof node[last] === 'number' ? (node[last] as number) : undefined;
    node[last] = pick ? (current === undefined ? n : pick(current, n)) : (current ?? 0) + n;
  }
  return doc;
}

const count = (n: number | undefined): number => (n !== undefined && n > 0 ? n : 0);

/** The day's figures from its counters (dotted paths); a counter that drifted below 0 reads as 0. */
export function figuresOf(flat: Flat, day: Date): DayCounters {
  const day_start = startOfUtcDay(day);
  const created_by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, count(flat[`status.${s}`])])) as Record<TaskStatus, number>;
  const buckets = new Map<number, number>();
  const agents: TaskDayStats['created_by_agent'] = [];
  const byAgent = new Map<string, RowCounters>();
  const byModel = new Map<string, RowCounters>();
  for (const [path, n] of Object.entries(flat)) {
    const [part, kind, key, field] = path.split('.');
    if (part === 'agents' && kind !== undefined && count(n) > 0) agents.push({ ...agentOfKey(kind), count: n });
    else if (part === 'latency' && kind === 'buckets' && key?.startsWith('b')) buckets.set(Number(key.slice(1)), count(n));
    else if (part === 'usage' && key !== undefined && (field === 'prompt_tokens' || field === 'completion_tokens' || field === 'cost_usd' || field === 'cost_unknown')) {
      const map = kind === 'by_agent' ? byAgent : kind === 'by_model' ? byModel : null;
      if (!map) continue;
      const name = dec(key);
      const t = map.get(name) ?? { prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, cost_unknown: 0 };
      t[field] += n;
      map.set(name, t);
    }
  }
  const latencyCount = count(flat['latency.count']);
  const tasks: TaskDayStats = {
    day_start,
    created_by_status,
    created_by_agent: agents.sort((a, b) => b.count - a.count || a.agent_name.localeCompare(b.agent_name)),
    latency_ms: {
      count: latencyCount,
      sum: latencyCount > 0 ? count(flat['latency.sum_ms']) : 0,
      p95:
        latencyCount > 0
          ? boundedPercentile(buckets, LATENCY_PERCENTILE, { count: latencyCount, sum: count(flat['latency.sum_ms']), max: flat['latency.max_ms'] ?? null, min: flat['latency.min_ms'] ?? null })
          : null,
    },
  };
  const by_agent = usageRows(byAgent).map(([agent_name, t]) => ({ agent_name, ...t }));
  const by_model = usageRows(byModel).map(([model, t]) => ({ model, ...t }));
  const usage: UsageDayStats = { day_start, ...addUsage(by_model), by_agent, by_model };
  return { tasks, usage };
}

type RowCounters = { prompt_tokens: number; completion_tokens: number; cost_usd: number; cost_unknown: number };

/** Totals per name, most tokens first (then by name), as `usageDayStats` orders them; a row with an unknown cost has none. */
function usageRows(map: Map<string, RowCounters>): [string, UsageTotals][] {
  return [...map.entries()]
    .map(([k, t]): [string, UsageTotals] => {
      const prompt_tokens = count(t.prompt_tokens);
      const completion_tokens = count(t.completion_tokens);
      const cost_usd = count(t.cost_unknown) > 0 ? null : roundCost(count(t.cost_usd));
      return [k, { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens, cost_usd }];
    })
    .filter(([, t]) => t.total_tokens > 0 || t.cost_usd !== 0)
    .sort((a, b) => b[1].total_tokens - a[1].total_tokens || a[0].localeCompare(b[0]));
}

/** The counters (dotted paths) that make up a rebuilt day: what the increments of its tasks and runs would have added. */
export function rebuiltPaths(day: DayCounters, latencies: readonly number[]): Flat {
  const flat: Flat = {};
  for (const s of TASK_STATUSES) add(flat, `status.${s}`, day.tasks.created_by_status[s]);
  for (const a of day.tasks.created_by_agent) add(flat, `agents.${agentKey(a.agent_name, a.agent_type)}`, a.count);
  for (const ms of latencies) {
    add(flat, 'latency.count', 1);
    add(flat, 'latency.sum_ms', Math.max(0, ms));
    add(flat, `latency.buckets.b${latencyBucket(ms)}`, 1);
    add(flat, 'latency.max_ms', Math.max(0, ms));
    add(flat, 'latency.min_ms', Math.max(0, ms));
  }
  for (const a of day.usage.by_agent) totalsPaths(flat, `usage.by_agent.${enc(a.agent_name)}`, a);
  for (const m of day.usage.by_model) totalsPaths(flat, `usage.by_model.${enc(m.model)}`, m);
  return flat;
}

const queueOf = (v: unknown): SystemMetricsSnapshot['queue'] => {
  if (typeof v !== 'object' || v === null) return null;
  const q = v as Record<string, unknown>;
  const n = (k: string) => (typeof q[k] === 'number' && Number.isFinite(q[k]) && (q[k] as number) >= 0 ? (q[k] as number) : 0);
  return { waiting: n('waiting'), active: n('active'), delayed: n('delayed'), failed: n('failed'), completed: n('completed'), paused: n('paused') };
};

/**
 * History points from minute documents sorted by minute (from the start of the first one's day):
 * each point holds the running figures of its day up to the end of its minute. Only minutes in
 * [from, to) are returned, at most `limit`.
 */
export function historyPoints(minutes: readonly CounterDoc[], range: { from: Date; to: Date; limit: number }): SystemMetricsSnapshot[] {
  const points: SystemMetricsSnapshot[] = [];
  let day = '';
  let running: Flat = {};
  for (const doc of minutes) {
    const start = doc['minute_start'];
    if (!(start instanceof Date)) continue;
    const docDay = dayOf(start);
    if (docDay !== day) {
      day = docDay;
      running = {};
    }
    for (const [path, n] of Object.entries(counterPaths(doc))) add(running, path, n);
    if (start < range.from || start >= range.to) continue;
    const { tasks, usage } = figuresOf(running, start);
    const updated = doc['updated_at'];
    points.push({
      interval_start: start,
      taken_at: updated instanceof Date ? updated : new Date(start.getTime() + 60_000),
      queue: queueOf(doc['queue']),
      ...dayFigures(tasks, usage),
    });
    if (points.length >= range.limit) break;
  }
  return points;
}
