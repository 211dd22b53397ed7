// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// Documents are written the way releases before issue 11 stored them: an ObjectId `_id`.
import { randomUUID } from 'node:crypto';
import { mongo } from 'mongoose';

import { makeTask, useTestDatabase } from '../testing/mongo-test-env';
import { taskDocument } from './documents';
import { KEY_MIGRATION_BACKUP_COLLECTION, migratePrimaryKeys } from './primary-keys.migration';

const db = useTestDatabase();

/** A task document as the old code stored it: the same fields, a server-made ObjectId `_id`. */
function legacyTask(overrides: Parameters<typeof makeTask>[0] = {}): { _id: mongo.ObjectId; task_id: string; task: string } & Record<string, unknown> {
  const task = makeTask(overrides);
  const { _id, ...doc } = taskDocument(task);
  void _id;
  return { ...doc, _id: new mongo.ObjectId(), task_id: task.task_id, task: task.task };
}

/** The raw connection's database handle. */
const rawDb = () => {
  const handle = db.raw.db;
  if (!handle) throw new Error('the raw connection has no database');
  return handle;
};

describe('migratePrimaryKeys', () => {
  it('moves old-shaped tasks, sessions and messages to _id = their id, keeps every field, and is idempotent', async () => {
    const session_id = randomUUID();
    const old = [legacyTask({ session_id, status: 'processing' }), legacyTask({ session_id })];
    await db.raw.collection('tasks').insertMany(old);
    await db.raw.collection('sessions').insertOne({ _id: new mongo.ObjectId(), session_id, created_at: new Date(), updated_at: new Date(), task_count: 2 });
    const message = { _id: new mongo.ObjectId(), message_id: randomUUID(), session_id, task_id: old[0]!.task_id, role: 'user', content: 'hi', agent_name: null, created_at: new Date() };
    await db.raw.collection('messages').insertOne(message);
    // A task already stored by the new code is left alone.
    const current = await db.store.repositories.tasks.create(makeTask({ session_id }));

    // Before: the repositories, which look up by primary key, do not see the old task.
    expect(await db.store.repositories.tasks.findById(old[0]!.task_id)).toBeNull();

    const report = await migratePrimaryKeys(rawDb());
    expect(report).toEqual({ moved: { tasks: 2, sessions: 1, messages: 1 }, restored: 0, skipped: 0 });

    for (const doc of old) {
      const { _id, ...fields } = doc;
      void _id;
      expect(await db.raw.collection('tasks').findOne({ task_id: doc.task_id })).toEqual({ _id: doc.task_id, ...fields });
    }
    expect(await db.raw.collection('tasks').countDocuments({})).toBe(3);
    expect(await db.raw.collection('sessions').findOne({ session_id })).toMatchObject({ _id: session_id, task_count: 2 });
    expect(await db.raw.collection('messages').findOne({ message_id: message.message_id })).toMatchObject({ _id: message.message_id, content: 'hi' });

    // After: status moves and reads by primary key work on the migrated tasks.
    expect(await db.store.repositories.tasks.markProcessing(old[0]!.task_id, new Date())).toMatchObject({ status: 'processing', attempts: 1 });
    expect(await db.store.repositories.tasks.findById(current.task_id)).toEqual(current);
    await db.store.repositories.sessions.touch(session_id, new Date());
    expect(await db.raw.collection('sessions').countDocuments({ session_id })).toBe(1);

    // Again: nothing left to move.
    expect(await migratePrimaryKeys(rawDb())).toEqual({ moved: { tasks: 0, sessions: 0, messages: 0 }, restored: 0, skipped: 0 });
    expect(await db.raw.collection(KEY_MIGRATION_BACKUP_COLLECTION).countDocuments({})).toBe(0);
  });

  it('finishes a move an interrupted run left between deleting the old document and inserting the new one', async () => {
    const doc = legacyTask();
    // What an interrupted run leaves after steps 1 and 2: the backup, and no task.
    await db.raw.collection(KEY_MIGRATION_BACKUP_COLLECTION).insertOne({ _id: `tasks:${doc.task_id}` as never, collection: 'tasks', doc });
    // And one interrupted after step 1 only: the backup and the old task both there.
    const second = legacyTask();
    await db.raw.collection('tasks').insertOne(second);
    await db.raw.collection(KEY_MIGRATION_BACKUP_COLLECTION).insertOne({ _id: `tasks:${second.task_id}` as never, collection: 'tasks', doc: second });

    const report = await migratePrimaryKeys(rawDb());
    expect(report.restored).toBe(1);
    expect(report.moved['tasks']).toBe(1);
    expect(await db.store.repositories.tasks.findById(doc.task_id)).toMatchObject({ task_id: doc.task_id, task: doc.task });
    expect(await db.store.repositories.tasks.findById(second.task_id)).toMatchObject({ task_id: second.task_id });
    expect(await db.raw.collection('tasks').countDocuments({ task_id: { $in: [doc.task_id, second.task_id] } })).toBe(2);
    expect(await db.raw.collection(KEY_MIGRATION_BACKUP_COLLECTION).countDocuments({})).toBe(0);
  });
});
