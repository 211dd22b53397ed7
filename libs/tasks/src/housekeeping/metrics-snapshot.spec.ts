import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
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

describe('takeMetricsSnapshot (the queue sample of the history)', () => {
  it('samples the queue once per interval, in the worker that claims it, into that minute of the history', async () => {
    const store = new InMemoryStore();
    const claims = sharedClaims();
    let reads = 0;
    let at = new Date('2030-01-01T10:00:05Z');
    const worker = (): SnapshotDeps => ({
      repositories: store.repositories,
      queueCounts: async () => (reads++, { waiting: 3, active: 1 }),
      now: () => at,
      intervalMs: 60_000,
      claims,
    });
    const workers = [worker(), worker(), worker()];

    expect((await Promise.all(workers.map((w) => takeMetricsSnapshot(w)))).filter((s) => s !== null)).toHaveLength(1);
    at = new Date('2030-01-01T10:00:50Z');
    expect((await Promise.all(workers.map((w) => takeMetricsSnapshot(w)))).every((s) => s === null)).toBe(true);
    at = new Date('2030-01-01T10:01:01Z');
    await Promise.all(workers.map((w) => takeMetricsSnapshot(w)));
    expect(reads).toBe(2);
    expect(claims.keys[0]).toBe(snapshotClaimKey(new Date('2030-01-01T10:00:00.000Z')));

    const points = await store.repositories.taskCounters.history({ from: new Date('2030-01-01T09:00:00Z'), to: new Date('2030-01-01T11:00:00Z'), limit: 10 });
    expect(points.map((p) => p.interval_start.toISOString())).toEqual(['2030-01-01T10:00:00.000Z', '2030-01-01T10:01:00.000Z']);
    expect(points[0]).toMatchObject({
      queue: { waiting: 3, active: 1, delayed: 0, failed: 0, completed: 0, paused: 0 },
      tasks_by_status: { queued: 0, completed: 0 },
    });
  });

  it('samples anyway when the claims cannot be reached, and stores nothing when the queue cannot be read', async () => {
    const store = new InMemoryStore();
    const claims: Claims = { claim: () => Promise.reject(new Error('redis down')) };
    const at = new Date('2030-01-01T10:00:05Z');
    const ok: SnapshotDeps = { repositories: store.repositories, queueCounts: async () => ({ waiting: 1 }), now: () => at, intervalMs: 60_000, claims };
    await expect(takeMetricsSnapshot(ok)).resolves.toMatchObject({ waiting: 1 });
    const down: SnapshotDeps = { ...ok, queueCounts: () => Promise.reject(new Error('redis down')), now: () => new Date('2030-01-01T10:05:05Z') };
    await expect(takeMetricsSnapshot(down)).rejects.toThrow('redis down');
    expect(store.counters.size).toBe(1);
  });

  it('aligns intervals on the epoch', () => {
    expect(intervalStart(new Date('2025-01-01T10:00:59.999Z'), 60_000).toISOString()).toBe('2025-01-01T10:00:00.000Z');
    expect(intervalStart(new Date('2025-01-01T10:07:00.000Z'), 300_000).toISOString()).toBe('2025-01-01T10:05:00.000Z');
  });
});
