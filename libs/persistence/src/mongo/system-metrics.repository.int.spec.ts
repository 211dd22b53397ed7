// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { ValidationError } from '@agent-orchestrator/domain';

import type { SystemMetricsSnapshot } from '../repositories';
import { useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();

const minute = (n: number) => new Date(Date.UTC(2025, 2, 1, 12, n));

function snapshot(at: Date, overrides: Partial<SystemMetricsSnapshot> = {}): SystemMetricsSnapshot {
  return {
    interval_start: at,
    taken_at: new Date(at.getTime() + 150),
    queue: { waiting: 2, active: 1, delayed: 0, failed: 3, completed: 40, paused: 0 },
    tasks_by_status: { queued: 2, processing: 1, completed: 30, failed: 4, cancelled: 1 },
    tasks_by_agent: [{ agent_name: 'CodeAgent', agent_type: 'code', count: 20 }],
    latency: { count: 34, avg_ms: 1234.5, p95_ms: 4000 },
    usage: {
      prompt_tokens: 100,
      completion_tokens: 50,
      total_tokens: 150,
      cost_usd: 0.0001,
      by_agent: [{ agent_name: 'CodeAgent', prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, cost_usd: 0.0001 }],
      by_model: [{ model: 'gpt-4o-mini', prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, cost_usd: 0.0001 }],
    },
    ...overrides,
  };
}

describe('SystemMetricsRepository', () => {
  it('stores one snapshot per interval: a second writer for the same interval gets false', async () => {
    const repo = db.store.repositories.systemMetrics;
    expect(await repo.record(snapshot(minute(0)))).toBe(true);
    expect(await repo.record(snapshot(minute(0), { queue: null }))).toBe(false);
    const [stored, ...rest] = await repo.list({ from: minute(0), to: minute(1), limit: 10 });
    expect(rest).toEqual([]);
    expect(stored).toEqual(snapshot(minute(0)));
  });

  it('keeps unavailable parts as null', async () => {
    const repo = db.store.repositories.systemMetrics;
    const partial = snapshot(minute(1), { queue: null, tasks_by_status: null, tasks_by_agent: null, latency: null, usage: null });
    expect(await repo.record(partial)).toBe(true);
    expect(await repo.list({ from: minute(1), to: minute(2), limit: 10 })).toEqual([partial]);
  });

  it('lists a range oldest first, bounded by the limit; from inclusive, to exclusive', async () => {
    const repo = db.store.repositories.systemMetrics;
    for (const n of [5, 3, 4, 6]) await repo.record(snapshot(minute(n)));
    expect((await repo.list({ from: minute(3), to: minute(6), limit: 100 })).map((s) => s.interval_start)).toEqual([minute(3), minute(4), minute(5)]);
    expect((await repo.list({ from: minute(3), to: minute(7), limit: 2 })).map((s) => s.interval_start)).toEqual([minute(3), minute(4)]);
    expect(await repo.list({ from: minute(3), to: minute(7), limit: 0 })).toEqual([]);
  });

  it('deletes the snapshots older than a cutoff', async () => {
    const repo = db.store.repositories.systemMetrics;
    expect(await repo.deleteOlderThan(minute(4))).toBe(3); // minutes 0, 1, 3
    expect((await repo.list({ from: minute(0), to: minute(10), limit: 100 })).map((s) => s.interval_start)).toEqual([minute(4), minute(5), minute(6)]);
  });

  it('refuses dates that are not Dates', async () => {
    await expect(db.store.repositories.systemMetrics.list({ from: '2025' as unknown as Date, to: minute(1), limit: 1 })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
