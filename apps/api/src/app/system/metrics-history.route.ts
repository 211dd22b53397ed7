import { Router, type RequestHandler } from 'express';
import { API_VERSION, ValidationError, type ErrorDetail } from '@agent-orchestrator/domain';
import type { SystemMetricsRepository, SystemMetricsSnapshot } from '@agent-orchestrator/persistence';
import { storeError } from '@agent-orchestrator/tasks';
import { parseIsoDate } from '../tasks/list-tasks.query';

export const METRICS_HISTORY_PATH = '/v1/system/metrics/history';
const HOUR_MS = 3_600_000;
/** Range when none is given: the last day. */
export const DEFAULT_HISTORY_RANGE_MS = 24 * HOUR_MS;
/** Longest range one request may ask for. */
export const MAX_HISTORY_RANGE_MS = 7 * 24 * HOUR_MS;
/** Most snapshots one answer holds: a week at one a minute. */
export const MAX_HISTORY_POINTS = 10_080;

export interface MetricsHistoryRouteDeps {
  snapshots: Pick<SystemMetricsRepository, 'list'>;
  now: () => Date;
  rateLimit: RequestHandler;
}

const FORMAT = 'an ISO 8601 date (2025-01-31) or date-time with a time zone (2025-01-31T12:00:00Z)';

/** Validates `from` and `to` (each at most once); defaults to the last 24 hours. @throws ValidationError */
export function parseHistoryQuery(query: unknown, now: Date): { from: Date; to: Date } {
  const raw = (query ?? {}) as Record<string, unknown>;
  const details: ErrorDetail[] = [];
  for (const name of Object.keys(raw)) {
    if (name !== 'from' && name !== 'to') details.push({ field: name, message: 'unknown query parameter' });
  }
  const read = (name: 'from' | 'to'): Date | undefined => {
    const v = raw[name];
    if (v === undefined) return undefined;
    const d = typeof v === 'string' ? parseIsoDate(v) : null;
    if (!d) details.push({ field: name, message: typeof v === 'string' ? `${name} must be ${FORMAT}` : `${name} must be given once` });
    return d ?? undefined;
  };
  const givenFrom = read('from');
  const givenTo = read('to');
  if (details.length > 0) throw new ValidationError('The query parameters are invalid.', details);
  const to = givenTo ?? (givenFrom ? new Date(Math.min(now.getTime(), givenFrom.getTime() + DEFAULT_HISTORY_RANGE_MS)) : now);
  const from = givenFrom ?? new Date(to.getTime() - DEFAULT_HISTORY_RANGE_MS);
  if (from > to) throw new ValidationError('The query parameters are invalid.', [{ field: 'from', message: 'from must not be after to' }]);
  if (to.getTime() - from.getTime() > MAX_HISTORY_RANGE_MS) {
    throw new ValidationError('The query parameters are invalid.', [
      { field: 'to', message: 'the range from..to must be at most 7 days; ask for several ranges' },
    ]);
  }
  return { from, to };
}

const iso = (d: Date): string | null => (Number.isNaN(d.getTime()) ? null : d.toISOString());

export function presentSnapshot(s: SystemMetricsSnapshot) {
  return {
    interval_start: iso(s.interval_start),
    taken_at: iso(s.taken_at),
    queue: s.queue,
    tasks_by_status: s.tasks_by_status,
    tasks_by_agent: s.tasks_by_agent,
    latency_ms: s.latency && { count: s.latency.count, avg: s.latency.avg_ms, p95: s.latency.p95_ms },
    usage: s.usage,
  };
}

/** `GET /v1/system/metrics/history?from=&to=`: the worker's snapshots in the range, oldest first. */
export function metricsHistoryRoutes({ snapshots, now, rateLimit }: MetricsHistoryRouteDeps): Router {
  const router = Router();
  router.get(METRICS_HISTORY_PATH, rateLimit, async (req, res) => {
    const { from, to } = parseHistoryQuery(req.query, now());
    let items: SystemMetricsSnapshot[];
    try {
      items = await snapshots.list({ from, to, limit: MAX_HISTORY_POINTS });
    } catch (err) {
      throw storeError(err, 'The metrics history could not be read because the database is unavailable. Try again shortly.');
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json({ from: from.toISOString(), to: to.toISOString(), snapshots: items.map(presentSnapshot), api_version: API_VERSION });
  });
  return router;
}
