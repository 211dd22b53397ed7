// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { randomUUID } from 'node:crypto';

import type { TaskEvent } from '@agent-orchestrator/domain';

import { ValidationError } from '@agent-orchestrator/domain';
import { isFerretDB, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();

function event(task_id: string, ev: TaskEvent['event'], at: Date, overrides: Partial<TaskEvent> = {}): TaskEvent {
  return {
    event: ev,
    level: 'info',
    message: ev.replace('.', ' '),
    timestamp: at,
    task_id,
    session_id: 'session-1',
    request_id: 'req-1',
    agent_name: null,
    service: 'worker',
    data: {},
    ...overrides,
  };
}

describe('TaskEventRepository', () => {
  it("returns a task's events oldest first, same-millisecond events in insertion order, only that task's", async () => {
    const repo = db.store.repositories.taskEvents;
    const id = randomUUID();
    const t0 = new Date(Date.UTC(2025, 0, 1, 10));
    const t1 = new Date(t0.getTime() + 5);
    // Written out of order across batches (api first, then worker), ties at t1.
    await repo.appendMany([
      event(id, 'task.picked_up', t1, { data: { attempt: 1 } }),
      event(id, 'task.routed', t1, { agent_name: 'CodeAgent', data: { confidence: 0.9 } }),
    ]);
    await repo.appendMany([event(id, 'task.accepted', t0, { service: 'api', data: { api_key_id: 'ci', task_length: 12 } })]);
    await repo.appendMany([event(randomUUID(), 'task.accepted', t0)]);

    const events = await repo.listByTask(id);
    expect(events.map((e) => e.event)).toEqual(['task.accepted', 'task.picked_up', 'task.routed']);
    expect(events[0]).toEqual(event(id, 'task.accepted', t0, { service: 'api', data: { api_key_id: 'ci', task_length: 12 } }));
    expect(events[2]).toMatchObject({ agent_name: 'CodeAgent', data: { confidence: 0.9 }, service: 'worker', request_id: 'req-1' });
    expect(await repo.listByTask(id, { limit: 2 })).toHaveLength(2);
  });

  it('returns nothing for a task without events and accepts an empty batch', async () => {
    await db.store.repositories.taskEvents.appendMany([]);
    expect(await db.store.repositories.taskEvents.listByTask(randomUUID())).toEqual([]);
  });

  it('refuses a non-string task id instead of building a query from an object', async () => {
    await expect(db.store.repositories.taskEvents.listByTask({ $ne: '' } as unknown as string)).rejects.toBeInstanceOf(ValidationError);
  });

  it('deletes the events older than a cutoff and keeps the rest', async () => {
    // As the worker at boot: the purge walks the timestamp index ensureRetention makes (a lifetime no
    // event here reaches), so it is index-bounded (MongoDB with notablescan refuses a collection scan).
    await db.store.ensureRetention({ logsDays: 3650, snapshotsDays: 3650 });
    const repo = db.store.repositories.taskEvents;
    const id = randomUUID();
    const cutoff = new Date(Date.UTC(2020, 5, 1));
    await repo.appendMany([
      event(id, 'task.accepted', new Date(cutoff.getTime() - 1)),
      event(id, 'task.picked_up', cutoff),
      event(id, 'task.completed', new Date(cutoff.getTime() + 1)),
    ]);
    expect(await repo.deleteOlderThan(cutoff)).toBe(1);
    expect((await repo.listByTask(id)).map((e) => e.event)).toEqual(['task.picked_up', 'task.completed']);
  });

  it('has a TTL index on timestamp with the configured lifetime where the server supports TTL, and says when it does not', async () => {
    const ferret = await isFerretDB(db.raw);
    const { ttl } = await db.store.ensureRetention({ logsDays: 14, snapshotsDays: 30 });
    expect(ttl).toBe(!ferret);
    const lifetime = async (collection: string, field: string) =>
      (await db.raw.db!.collection(collection).indexes()).find((i) => i.name === `${field}_ttl`)?.expireAfterSeconds;
    if (!ferret) {
      expect(await lifetime('logs', 'timestamp')).toBe(14 * 86_400);
      expect(await lifetime('task_counters', 'minute_start')).toBe(30 * 86_400);
    }
    // Idempotent, and a changed retention does not fail the boot (updated in place on MongoDB).
    await db.store.ensureRetention({ logsDays: 14, snapshotsDays: 30 });
    await db.store.ensureRetention({ logsDays: 7, snapshotsDays: 30 });
    if (!ferret) expect(await lifetime('logs', 'timestamp')).toBe(7 * 86_400);
  });
});
