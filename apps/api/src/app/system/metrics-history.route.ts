import { Router, type RequestHandler } from 'express';
import { API_VERSION, ValidationError, type ErrorDetail } from '@agent-orchestrator/domain';
import type { SystemMetricsSnapshot } from '@agent-orchestrator/persistence';
import type { GetMetricsHistory } from '@agent-orchestrator/tasks';
import { parseIsoDate } from '../tasks/list-tasks.query';

export const METRICS_HISTORY_PATH = '/v1/system/metrics/history';

const FORMAT = 'an ISO 8601 date (2025-01-31) or date-time with a time zone (2025-01-31T12:00:00Z)';

/** Validates `from` and `to` (each at most once, each a date); the range rules are GetMetricsHistory's. @throws ValidationError */
export function parseHistoryQuery(query: unknown): { from?: Date; to?: Date } {
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
  const from = read('from');
  const to = read('to');
  if (details.length > 0) throw new ValidationError('The query parameters are invalid.', details);
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
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
export function metricsHistoryRoutes({ history, rateLimit }: { history: GetMetricsHistory; rateLimit: RequestHandler }): Router {
  const router = Router();
  router.get(METRICS_HISTORY_PATH, rateLimit, async (req, res) => {
    const { from, to, snapshots } = await history.execute(parseHistoryQuery(req.query));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ from: from.toISOString(), to: to.toISOString(), snapshots: snapshots.map(presentSnapshot), api_version: API_VERSION });
  });
  return router;
}
