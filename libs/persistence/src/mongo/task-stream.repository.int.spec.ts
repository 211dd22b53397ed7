// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { randomUUID } from 'node:crypto';

import type { StreamEventDraft } from '@agent-orchestrator/domain';
import { ValidationError } from '@agent-orchestrator/domain';
import { useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();

const draft = (task_id: string, event: StreamEventDraft['event'], data: Record<string, unknown> = {}): StreamEventDraft => ({
  task_id,
  event,
  timestamp: new Date(),
  agent_name: event === 'delta' ? 'ContentAgent' : null,
  data,
});

describe('TaskStreamRepository', () => {
  it('numbers a task\'s events 1, 2, 3... and reads them back in order after a given number, only that task\'s', async () => {
    const repo = db.store.repositories.taskStream;
    const id = randomUUID();
    expect(await repo.lastSeq(id)).toBe(0);
    const first = await repo.append(draft(id, 'task.accepted', { task_length: 12 }));
    const second = await repo.append(draft(id, 'delta', { text: 'Hello' }), first.seq);
    await repo.append(draft(id, 'task.completed'));
    await repo.append(draft(randomUUID(), 'task.accepted'));
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(await repo.lastSeq(id)).toBe(3);
    const all = await repo.listAfter(id, 0);
    expect(all.map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'delta'],
      [3, 'task.completed'],
    ]);
    expect(all[1]).toMatchObject({ task_id: id, agent_name: 'ContentAgent', data: { text: 'Hello' } });
    expect(all[0]?.timestamp).toBeInstanceOf(Date);
    expect((await repo.listAfter(id, 1, { limit: 1 })).map((e) => e.seq)).toEqual([2]);
    expect(await repo.listAfter(id, 3)).toEqual([]);
    // has: one number of one task, by primary key.
    expect([await repo.has(id, 1), await repo.has(id, 3), await repo.has(id, 4), await repo.has(id, 0), await repo.has(randomUUID(), 1)]).toEqual([true, true, false, false, false]);
  });

  it('gives concurrent writers with stale guesses distinct numbers and no gap (a duplicate key takes the next number)', async () => {
    const repo = db.store.repositories.taskStream;
    const id = randomUUID();
    await repo.append(draft(id, 'task.accepted'));
    // Three "processes" all believe the last number is 1, and write at once, several times each.
    const writers = [0, 1, 2].map(async (w) => {
      let last = 1;
      for (let i = 0; i < 4; i++) last = (await repo.append(draft(id, 'delta', { text: `${w}:${i}` }), last)).seq;
    });
    await Promise.all(writers);
    const all = await repo.listAfter(id, 0);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    // Each writer's own events keep their order.
    for (const w of [0, 1, 2]) {
      expect(all.filter((e) => String(e.data['text']).startsWith(`${w}:`)).map((e) => e.data['text'])).toEqual([0, 1, 2, 3].map((i) => `${w}:${i}`));
    }
  });

  it('deletes events older than a cutoff (the purge where TTL has no effect)', async () => {
    const repo = db.store.repositories.taskStream;
    const id = randomUUID();
    await repo.append({ ...draft(id, 'task.accepted'), timestamp: new Date(Date.now() - 10 * 86_400_000) });
    await repo.append(draft(id, 'task.picked_up'));
    expect(await repo.deleteOlderThan(new Date(Date.now() - 86_400_000))).toBeGreaterThanOrEqual(1);
    expect((await repo.listAfter(id, 0)).map((e) => e.event)).toEqual(['task.picked_up']);
  });

  it('refuses a task id that is not a string (no operator injection)', async () => {
    const repo = db.store.repositories.taskStream;
    await expect(repo.listAfter({ $gt: '' } as unknown as string, 0)).rejects.toBeInstanceOf(ValidationError);
  });
});
