// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { ValidationError } from '@agent-orchestrator/domain';

import { tick, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();

const stored = (session_id: string) => db.raw.collection('sessions').findOne({ session_id }, { projection: { _id: 0 } });

describe('MongoSessionRepository', () => {
  it('touch creates the session, then bumps task_count and updated_at', async () => {
    const sessions = db.store.repositories.sessions;
    const t1 = tick();
    await sessions.touch('s-touch', t1);
    expect(await stored('s-touch')).toEqual({ session_id: 's-touch', created_at: t1, updated_at: t1, task_count: 1 });

    const t2 = tick();
    await sessions.touch('s-touch', t2);
    await sessions.touch('s-touch', tick(-500)); // late, out of order: counted, but time does not go back
    expect(await stored('s-touch')).toEqual({ session_id: 's-touch', created_at: t1, updated_at: t2, task_count: 3 });
    expect(await db.raw.collection('sessions').countDocuments({ session_id: 's-touch' })).toBe(1);
  });

  it('keeps one document per session and counts every concurrent touch', async () => {
    const now = tick();
    await Promise.all(Array.from({ length: 10 }, () => db.store.repositories.sessions.touch('s-concurrent', now)));
    expect(await db.raw.collection('sessions').countDocuments({ session_id: 's-concurrent' })).toBe(1);
    expect((await stored('s-concurrent'))!['task_count']).toBe(10);
  });

  it('start stores the document a first touch with the turn makes, and the slice reads it alike', async () => {
    const sessions = db.store.repositories.sessions;
    const at = tick();
    const turn = (n: number) => ({ task_id: `t-${n}`, message_id: `m-${n}`, created_at: at });
    await sessions.touch('s-touched', at, turn(1));
    await sessions.start('s-started', at, turn(1));
    const { session_id: _a, ...touched } = (await stored('s-touched'))!;
    const { session_id: _b, ...started } = (await stored('s-started'))!;
    expect(started).toEqual(touched);
    expect(started).toEqual({ created_at: at, updated_at: at, task_count: 1, recent: [turn(1)], recent_len: 1, recent_complete: true });
    // By primary key, as every session is looked up.
    expect(await db.raw.collection('sessions').countDocuments({ _id: 's-started' as never })).toBe(1);
  });

  it('start on an id that exists already is that session\'s next turn, not an error', async () => {
    const sessions = db.store.repositories.sessions;
    const t1 = tick();
    const t2 = tick();
    await sessions.start('s-again', t1, { task_id: 't-1', message_id: 'm-1', created_at: t1 });
    await sessions.start('s-again', t2, { task_id: 't-2', message_id: 'm-2', created_at: t2 });
    expect(await stored('s-again')).toMatchObject({ created_at: t1, updated_at: t2, task_count: 2, recent_len: 2, recent: [{ task_id: 't-1' }, { task_id: 't-2' }] });
  });

  it('sessions started in one turn are all stored (one group commit), each with its own turn', async () => {
    const at = tick();
    const ids = Array.from({ length: 5 }, (_, i) => `s-batch-${i}`);
    await Promise.all(ids.map((id, i) => db.store.repositories.sessions.start(id, at, { task_id: `t-${i}`, message_id: `m-${i}`, created_at: at })));
    const docs = await db.raw.collection('sessions').find({ _id: { $in: ids as never[] } }).toArray();
    expect(docs.map((d) => [d['_id'], d['recent']]).sort()).toEqual(ids.map((id, i) => [id, [{ task_id: `t-${i}`, message_id: `m-${i}`, created_at: at }]]).sort());
  });

  it('rejects non-string ids and invalid dates', async () => {
    const sessions = db.store.repositories.sessions;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await expect(sessions.touch({ $gt: '' } as any, tick())).rejects.toBeInstanceOf(ValidationError);
    await expect(sessions.touch('s', new Date(Number.NaN))).rejects.toBeInstanceOf(ValidationError);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await expect(sessions.start({ $gt: '' } as any, tick(), { task_id: 't', message_id: 'm', created_at: tick() })).rejects.toBeInstanceOf(ValidationError);
    await expect(sessions.start('s', tick(), { task_id: 't', message_id: 'm', created_at: new Date(Number.NaN) })).rejects.toBeInstanceOf(ValidationError);
  });
});
