/**
 * One-off migration (issue 11): tasks, sessions and messages are keyed by their own id
 * (`_id` = task_id / session_id / message_id) so every lookup of one record is a primary-key
 * lookup, on any MongoDB-compatible server. Documents stored before that have an ObjectId `_id`;
 * this rewrites each of them under its own id, field for field.
 *
 * MongoDB cannot change a document's `_id`, so each legacy document is moved:
 *   1. a copy goes to `key_migration_backup` (`_id` = "<collection>:<id>"), the durable record of the move;
 *   2. the legacy document is deleted;
 *   3. the same document is inserted with `_id` = its id (a duplicate means it is already there);
 *   4. the backup copy is deleted.
 * A run that stops anywhere leaves either the legacy document or its backup; the next run first
 * restores from every backup whose document is missing, then goes on. So the migration is
 * idempotent and resumable, and it never loses a document. Run it with the api and workers
 * stopped (a write to a document between its read and its move would be lost); see the README.
 */
import type { mongo } from 'mongoose';

import { MESSAGES_COLLECTION } from '../models/message.model';
import { SESSIONS_COLLECTION } from '../models/session.model';
import { TASKS_COLLECTION } from '../models/task.model';
import { isDuplicateKey } from '../errors';

export const KEY_MIGRATION_BACKUP_COLLECTION = 'key_migration_backup';

/** The collections keyed by one of their fields, and that field. */
export const KEYED_COLLECTIONS = [
  { collection: TASKS_COLLECTION, key: 'task_id' },
  { collection: SESSIONS_COLLECTION, key: 'session_id' },
  { collection: MESSAGES_COLLECTION, key: 'message_id' },
] as const;

export interface KeyMigrationReport {
  /** Documents moved to `_id` = their id, per collection. */
  moved: Record<string, number>;
  /** Documents put back from a backup left by an interrupted run. */
  restored: number;
  /** Legacy documents without a string id (cannot be keyed): left as they are. */
  skipped: number;
}

/** Whether a write failed only because the document is already there (MongoDB 11000; FerretDB code 1 "UNIQUE constraint"). */
function alreadyThere(err: unknown): boolean {
  if (isDuplicateKey(err)) return true;
  const e = err as { message?: unknown } | null;
  return typeof e === 'object' && e !== null && typeof e.message === 'string' && /UNIQUE constraint/i.test(e.message);
}

type Db = mongo.Db;
type Document = mongo.Document;

/** Inserts `doc`; false when a document with its key is already there. */
async function insertKeyed(db: Db, collection: string, doc: Document): Promise<boolean> {
  try {
    await db.collection(collection).insertOne(doc);
    return true;
  } catch (err) {
    if (!alreadyThere(err)) throw err;
    return false;
  }
}

/**
 * Moves every legacy document of the keyed collections to `_id` = its id. Safe to run again at
 * any time (a second run moves nothing); `log` hears one line per collection.
 */
export async function migratePrimaryKeys(db: Db, options: { log?: (line: string) => void } = {}): Promise<KeyMigrationReport> {
  const log = options.log ?? (() => undefined);
  const backup = db.collection<Document>(KEY_MIGRATION_BACKUP_COLLECTION);
  const report: KeyMigrationReport = { moved: {}, restored: 0, skipped: 0 };

  // 0. Finish the moves an interrupted run left half done.
  for await (const entry of backup.find({})) {
    const { collection, doc } = entry as unknown as { collection: string; doc: Document };
    const spec = KEYED_COLLECTIONS.find((c) => c.collection === collection);
    if (!spec) continue;
    const id = doc[spec.key] as string;
    const target = db.collection(collection);
    const legacyStillThere = await target.findOne({ _id: doc['_id'] });
    if (legacyStillThere === null && (await insertKeyed(db, collection, { ...doc, _id: id }))) report.restored++;
    // Else step 2 never happened: the pass below moves it.
    await backup.deleteOne({ _id: entry._id });
  }

  for (const { collection, key } of KEYED_COLLECTIONS) {
    const target = db.collection<Document>(collection);
    let moved = 0;
    // New documents have a string `_id`, so the cursor never meets what it inserts.
    for await (const legacy of target.find({ _id: { $type: 'objectId' } })) {
      const id = legacy[key];
      if (typeof id !== 'string' || id === '') {
        report.skipped++;
        continue;
      }
      const backupId = `${collection}:${id}`;
      await backup.replaceOne({ _id: backupId as never }, { collection, doc: legacy }, { upsert: true });
      await target.deleteOne({ _id: legacy._id });
      await insertKeyed(db, collection, { ...legacy, _id: id });
      await backup.deleteOne({ _id: backupId as never });
      moved++;
    }
    report.moved[collection] = moved;
    log(`${collection}: ${moved} document(s) moved to _id = ${key}`);
  }
  return report;
}
