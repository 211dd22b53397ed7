import type { SystemMetricsSnapshot } from '@agent-orchestrator/persistence';
import type { Claims } from '../ports/lease.port';
import { intervalStart, snapshotClaimKey, takeMetricsSnapshot, type SnapshotDeps } from './metrics-snapshot';

/** Claims shared by every "worker", like one Redis. */
function sharedClaims(): Claims & { keys: string[] } {
  const taken = new Set<string>();
  return {
    keys: [],
    async claim(key) {
      this.keys.push(key);
      if (taken.has(key)) return false;
      taken.add(key);
      return true;
    },
  };
}

function repositories() {
  const reads = { day: 0, usage: 0, queue: 0 };
  const stored: SystemMetricsSnapshot[] = [];
  const repos = {
    tasks: { dayStats: async () => (reads.day++, { day_start: new Date(0), created_by_status: { queued: 1, processing: 0, completed: 2, failed: 0, cancelled: 0 }, created_by_agent: [], latency_ms: { count: 2, sum: 10, p95: 6 } }) },
    agentRuns: { usageDayStats: async () => (reads.usage++, { day_start: new Date(0), prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, cost_usd: 0, by_agent: [], by_model: [] }) },
    systemMetrics: {
      record: async (s: SystemMetricsSnapshot) => (stored.some((x) => x.interval_start.getTime() === s.interval_start.getTime()) ? false : (stored.push(s), true)),
    },
  } as unknown as SnapshotDeps['repositories'];
  return { repos, reads, stored };
}

describe('takeMetricsSnapshot', () => {
  it('runs the day aggregations once per interval, in the worker that claims it, however many workers try', async () => {
    const { repos, reads, stored } = repositories();
    const claims = sharedClaims();
    let at = new Date('2030-01-01T10:00:05Z');
    const worker = (): SnapshotDeps => ({ repositories: repos, queueCounts: async () => (reads.queue++, { waiting: 3 }), now: () => at, intervalMs: 60_000, claims });
    const workers = [worker(), worker(), worker(), worker(), worker()];

    const first = await Promise.all(workers.map((w) => takeMetricsSnapshot(w)));
    expect(first.filter((s) => s !== null)).toHaveLength(1);
    expect(reads).toEqual({ day: 1, usage: 1, queue: 1 });
    at = new Date('2030-01-01T10:00:50Z');
    expect((await Promise.all(workers.map((w) => takeMetricsSnapshot(w)))).every((s) => s === null)).toBe(true);
    expect(reads).toEqual({ day: 1, usage: 1, queue: 1 });
    at = new Date('2030-01-01T10:01:01Z');
    expect((await Promise.all(workers.map((w) => takeMetricsSnapshot(w)))).filter((s) => s !== null)).toHaveLength(1);
    expect(reads).toEqual({ day: 2, usage: 2, queue: 2 });
    expect(stored.map((s) => s.interval_start.toISOString())).toEqual(['2030-01-01T10:00:00.000Z', '2030-01-01T10:01:00.000Z']);
    expect(stored[0]).toMatchObject({ queue: { waiting: 3, active: 0 }, tasks_by_status: { completed: 2 } });
    expect(claims.keys[0]).toBe(snapshotClaimKey(new Date('2030-01-01T10:00:00.000Z')));
  });

  it('falls back to computing when the claims cannot be reached: the unique interval still keeps one write', async () => {
    const { repos, reads, stored } = repositories();
    const claims: Claims = { claim: () => Promise.reject(new Error('redis down')) };
    const deps: SnapshotDeps = { repositories: repos, queueCounts: () => Promise.reject(new Error('redis down')), now: () => new Date('2030-01-01T10:00:05Z'), intervalMs: 60_000, claims };
    const results = await Promise.all([takeMetricsSnapshot(deps), takeMetricsSnapshot(deps)]);
    expect(results.filter((s) => s !== null)).toHaveLength(1);
    expect(reads.day).toBe(2);
    expect(stored[0]!.queue).toBeNull();
  });

  it('aligns intervals on the epoch', () => {
    expect(intervalStart(new Date('2025-01-01T10:00:59.999Z'), 60_000).toISOString()).toBe('2025-01-01T10:00:00.000Z');
    expect(intervalStart(new Date('2025-01-01T10:07:00.000Z'), 300_000).toISOString()).toBe('2025-01-01T10:05:00.000Z');
  });
});
