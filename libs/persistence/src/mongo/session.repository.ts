import type { mongo } from 'mongoose';

import { guard, isDuplicateKey, type ErrorContext } from '../errors';
import { SESSIONS_COLLECTION, type SessionModel } from '../models/session.model';
import type { SessionRepository, SessionTurnInput } from '../repositories';
import { dateArg, idArg } from './guards';
import type { BatchedWriteError } from './insert-batcher';
import { OrderedBulkBatcher } from './ordered-bulk-batcher';
import { RECENT_TURNS_KEPT } from './session-turns';

export class MongoSessionRepository implements SessionRepository {
  /** The touches made in one event-loop turn share one ordered round trip (ordered-bulk-batcher.ts). */
  private readonly writes: OrderedBulkBatcher;

  constructor(
    model: SessionModel,
    private readonly ctx: ErrorContext,
  ) {
    this.writes = new OrderedBulkBatcher(model.collection);
  }

  async touch(sessionId: string, now: Date, turn?: SessionTurnInput): Promise<void> {
    const session_id = idArg(sessionId, 'sessionId');
    const at = dateArg(now, 'now');
    const entry =
      turn === undefined
        ? undefined
        : { task_id: idArg(turn.task_id, 'turn.task_id'), message_id: idArg(turn.message_id, 'turn.message_id'), created_at: dateArg(turn.created_at, 'turn.created_at') };
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
    const filter = { _id: session_id as never };
    const ops: mongo.AnyBulkWriteOperation<mongo.Document>[] = [{ updateOne: { filter, update, upsert: true } }];
    // Past the bound: drop the oldest turn ($pop, since FerretDB v1 ignores $push's $slice), in the
    // same ordered write, so the touch is one round trip and reads nothing back.
    if (entry) {
      ops.push({
        updateOne: {
          filter: { _id: session_id as never, recent_len: { $gt: RECENT_TURNS_KEPT } },
          update: { $pop: { recent: -1 }, $inc: { recent_len: -1 }, $set: { recent_complete: false } },
        },
      });
    }
    return guard(SESSIONS_COLLECTION, this.ctx, async () => {
      try {
        await this.writes.write(ops);
      } catch (err) {
        // Two first touches raced (from two batches or processes) and both tried to insert: the
        // loser's upsert (its first step) now finds the document and updates it.
        if (!isDuplicateKey(err) || (err as Partial<BatchedWriteError>).step !== 0) throw err;
        await this.writes.write(ops);
      }
    });
  }
}
