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

  it("appends the events of many tasks in one insert, each numbered after its task's last (its guess, or read)", async () => {
    const repo = db.store.repositories.taskStream;
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await repo.append(draft(a, 'task.accepted'));
    await repo.append(draft(a, 'task.picked_up'));
    const out = await repo.appendMany([
      { draft: draft(a, 'task.routed', { confidence: 0.9 }), lastSeq: 2 },
      { draft: draft(b, 'task.accepted'), lastSeq: 0 },
      // No guess: the task's last number is read.
      { draft: draft(c, 'task.accepted') },
    ]);
    expect(out.map((o) => [o.event?.task_id, o.event?.seq, o.event?.event, o.error])).toEqual([
      [a, 3, 'task.routed', undefined],
      [b, 1, 'task.accepted', undefined],
      [c, 1, 'task.accepted', undefined],
    ]);
    expect(out[0]?.event).toMatchObject({ agent_name: null, data: { confidence: 0.9 } });
    expect(out[0]?.event?.timestamp).toBeInstanceOf(Date);
    expect((await repo.listAfter(a, 0)).map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.picked_up'],
      [3, 'task.routed'],
    ]);
    expect(await repo.appendMany([])).toEqual([]);
  });

  it("stores the rest of a batch when one event's number is taken, and gives that one the next number (the duplicate path)", async () => {
    const repo = db.store.repositories.taskStream;
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    // Another writer stored b's number 1 and 2 meanwhile: this writer still guesses 0.
    await repo.append(draft(b, 'task.accepted'));
    await repo.append(draft(b, 'task.picked_up'));
    const out = await repo.appendMany([
      { draft: draft(a, 'task.accepted'), lastSeq: 0 },
      { draft: draft(b, 'task.cancelled'), lastSeq: 0 },
      { draft: draft(c, 'task.accepted'), lastSeq: 0 },
    ]);
    expect(out.map((o) => [o.event?.seq, o.error])).toEqual([
      [1, undefined],
      [3, undefined],
      [1, undefined],
    ]);
    expect((await repo.listAfter(b, 0)).map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.picked_up'],
      [3, 'task.cancelled'],
    ]);
    expect((await repo.listAfter(c, 0)).map((e) => e.seq)).toEqual([1]);
  });

  it("fails only the event that is invalid, and refuses two events of one task in a batch before writing anything", async () => {
    const repo = db.store.repositories.taskStream;
    const [a, b] = [randomUUID(), randomUUID()];
    const out = await repo.appendMany([
      { draft: { ...draft(a, 'task.accepted'), timestamp: new Date(Number.NaN) }, lastSeq: 0 },
      { draft: draft(b, 'task.accepted'), lastSeq: 0 },
    ]);
    expect(out[0]?.error).toBeInstanceOf(ValidationError);
    expect(out[1]?.event?.seq).toBe(1);
    expect(await repo.lastSeq(a)).toBe(0);
    const twice = randomUUID();
    await expect(
      repo.appendMany([
        { draft: draft(twice, 'task.accepted'), lastSeq: 0 },
        { draft: draft(twice, 'task.picked_up'), lastSeq: 1 },
      ]),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await repo.lastSeq(twice)).toBe(0);
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
