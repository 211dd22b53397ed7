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

  it('rejects non-string ids and invalid dates', async () => {
    const sessions = db.store.repositories.sessions;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await expect(sessions.touch({ $gt: '' } as any, tick())).rejects.toBeInstanceOf(ValidationError);
    await expect(sessions.touch('s', new Date(Number.NaN))).rejects.toBeInstanceOf(ValidationError);
  });
});
