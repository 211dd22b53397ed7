// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// The accept path's group commit (insert-batcher.ts, ordered-bulk-batcher.ts) on a real server: the
// writes made in one event-loop turn share a round trip, and each caller still gets its own outcome;
// and the worker's primary-key reads of one turn (key-read-batcher.ts).
import { randomUUID } from 'node:crypto';

import type { Message } from '@agent-orchestrator/domain';

import { DuplicateKeyError } from '../errors';
import { isFerretDB, makeTask, tick, useTestDatabase } from '../testing/mongo-test-env';
import { KeyReadBatcher, type KeyReadTarget } from './key-read-batcher';
import { readSessionTurns } from './session-turns';

const db = useTestDatabase();
const settled = <T>(promises: Promise<T>[]) => Promise.allSettled(promises);

describe('the accept path inserts, batched (MongoDB or FerretDB)', () => {
  it('tasks created in one turn are all stored, and a duplicate id fails only its own create', async () => {
    const tasks = Array.from({ length: 6 }, () => makeTask());
    const duplicate = { ...makeTask(), task_id: tasks[2]!.task_id };
    const results = await settled([...tasks, duplicate].map((t) => db.store.repositories.tasks.create(t)));
    expect(results.slice(0, 6).map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
    const failed = results[6]!;
    expect(failed.status).toBe('rejected');
    expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateKeyError);
    for (const task of tasks) expect((await db.store.repositories.tasks.findById(task.task_id))?.task).toBe(task.task);
    // The duplicate did not overwrite the first one.
    expect((await db.store.repositories.tasks.findById(tasks[2]!.task_id))?.session_id).toBe(tasks[2]!.session_id);
  });

  it('messages appended in one turn are stored as each would be alone', async () => {
    const session_id = randomUUID();
    const at = tick();
    const messages: Message[] = Array.from({ length: 5 }, (_, i) => ({ message_id: randomUUID(), session_id, task_id: randomUUID(), role: 'user', content: `m${i}`, agent_name: null, created_at: at }));
    await Promise.all(messages.map((m) => db.store.repositories.messages.append(m)));
    const stored = await db.raw.collection('messages').find({ session_id }).sort({ content: 1 }).toArray();
    expect(stored.map((m) => [m['_id'], m['message_id'], m['content']])).toEqual(messages.map((m) => [m.message_id, m.message_id, m.content]));
  });

  it('slice reads of several sessions in one turn each get their own session (or none)', async () => {
    const at = tick();
    const ids = Array.from({ length: 4 }, () => randomUUID());
    await Promise.all(ids.map((id, i) => db.store.repositories.sessions.touch(id, at, { task_id: `t-${i}`, message_id: `m-${i}`, created_at: at })));
    const missing = randomUUID();
    const sessions = db.raw.collection('sessions');
    const read = await Promise.all([...ids, missing].map((id) => readSessionTurns(sessions, id)));
    expect(read.slice(0, 4)).toEqual(ids.map((_, i) => ({ turns: [{ task_id: `t-${i}`, message_id: `m-${i}`, created_at: at }], complete: true })));
    expect(read[4]).toBeNull();
  });

  it('reads of one turn are one `_id: {$in}` find, except on FerretDB, which would scan for it: a findOne per key there', async () => {
    const sessions = db.raw.collection('key_read_probe');
    const ids = Array.from({ length: 3 }, () => randomUUID());
    await sessions.insertMany(ids.map((_id, i) => ({ _id: _id as never, n: i })));
    const calls: string[] = [];
    // The real collection and its mongoose connection (as the repositories pass it), with the calls the batcher makes written down.
    const target: KeyReadTarget = {
      conn: db.raw as unknown as KeyReadTarget['conn'],
      findOne: (filter, options) => (calls.push('findOne'), sessions.findOne(filter, options)),
      find: (filter, options) => (calls.push('find'), sessions.find(filter, options)),
    };
    const batcher = new KeyReadBatcher(target, { n: 1 });
    const read = await Promise.all([...ids, 'absent'].map((id) => batcher.read(id)));
    expect(read.map((d) => d?.['n'] ?? null)).toEqual([0, 1, 2, null]);
    expect(calls).toEqual((await isFerretDB(db.raw)) ? ['findOne', 'findOne', 'findOne', 'findOne'] : ['find']);
  });

  it('stream lookups of several tasks in one turn answer each task for itself', async () => {
    const stream = db.store.repositories.taskStream;
    const stored = Array.from({ length: 3 }, () => randomUUID());
    for (const task_id of stored) await stream.append({ task_id, event: 'task.accepted', agent_name: null, data: {}, timestamp: tick() });
    const absent = randomUUID();
    const found = await Promise.all([...stored.map((id) => stream.has(id, 1)), stream.has(absent, 1), stream.has(stored[0]!, 2)]);
    expect(found).toEqual([true, true, true, false, false]);
  });
});
