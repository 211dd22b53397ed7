import type { mongo } from 'mongoose';

import { DuplicateKeyError, guard, isDuplicateKey, type ErrorContext } from '../errors';
import { SESSIONS_COLLECTION, type SessionModel } from '../models/session.model';
import type { SessionRepository, SessionTurnInput } from '../repositories';
import { dateArg, idArg } from './guards';
import { InsertBatcher } from './insert-batcher';
import { RECENT_TURNS_KEPT } from './session-turns';

export class MongoSessionRepository implements SessionRepository {
  /** New sessions go in through the group commit (insert-batcher.ts), with the accept path's other inserts. */
  private readonly inserts: InsertBatcher<mongo.Document>;

  constructor(
    private readonly model: SessionModel,
    private readonly ctx: ErrorContext,
  ) {
    this.inserts = new InsertBatcher(model.collection);
  }

  async start(sessionId: string, now: Date, turn: SessionTurnInput): Promise<void> {
    const session_id = idArg(sessionId, 'sessionId');
    const at = dateArg(now, 'now');
    const entry = turnEntry(turn);
    // The document touch() makes when it creates a session with its first turn.
    const doc = { _id: session_id, session_id, created_at: at, updated_at: at, task_count: 1, recent: [entry], recent_len: 1, recent_complete: true };
    try {
      await guard(SESSIONS_COLLECTION, this.ctx, () => this.inserts.insert(doc as mongo.Document));
    } catch (err) {
      // The id was not new after all: it is that session's next turn.
      if (!(err instanceof DuplicateKeyError)) throw err;
      await this.touch(session_id, at, entry);
    }
  }

  async touch(sessionId: string, now: Date, turn?: SessionTurnInput): Promise<void> {
    const session_id = idArg(sessionId, 'sessionId');
    const at = dateArg(now, 'now');
    const entry = turn === undefined ? undefined : turnEntry(turn);
    // By primary key, through the driver: no query casting on the accept path. The update only
    // holds operators built here from checked values, so there is nothing for mongoose to sanitize.
    const update = {
      // A session created with turns has them all until one is dropped (session-turns.ts).
      $setOnInsert: { session_id, created_at: at, ...(entry ? { recent_complete: true } : {}) },
      // $max: a late, out-of-order touch never moves updated_at backwards.
      $max: { updated_at: at },
      $inc: { task_count: 1, ...(entry ? { recent_len: 1 } : {}) },
      ...(entry ? { $push: { recent: entry } } : {}),
    } as mongo.UpdateFilter<mongo.Document>;
    const collection = this.model.collection;
    const upsert = async (): Promise<number> => {
      if (!entry) {
        await collection.updateOne({ _id: session_id as never }, update, { upsert: true });
        return 0;
      }
      // No projection: FerretDB v1's findAndModify refuses one. The document is small (ids and dates).
      const after = await collection.findOneAndUpdate({ _id: session_id as never }, update, { upsert: true, returnDocument: 'after' });
      return typeof after?.['recent_len'] === 'number' ? after['recent_len'] : 0;
    };
    return guard(SESSIONS_COLLECTION, this.ctx, async () => {
      let length: number;
      try {
        length = await upsert();
      } catch (err) {
        // Two first touches raced and both tried to insert: the loser now finds
        // the document and updates it.
        if (!isDuplicateKey(err)) throw err;
        length = await upsert();
      }
      // Past the bound: drop the oldest turn ($pop, since FerretDB v1 ignores $push's $slice).
      if (length > RECENT_TURNS_KEPT) {
        await collection.updateOne({ _id: session_id as never }, { $pop: { recent: -1 }, $inc: { recent_len: -1 }, $set: { recent_complete: false } });
      }
    });
  }
}

/** A turn as the session's recent slice stores it, field by field from checked values. */
function turnEntry(turn: SessionTurnInput): SessionTurnInput {
  return { task_id: idArg(turn.task_id, 'turn.task_id'), message_id: idArg(turn.message_id, 'turn.message_id'), created_at: dateArg(turn.created_at, 'turn.created_at') };
}
