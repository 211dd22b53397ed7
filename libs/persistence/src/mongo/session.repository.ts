import { guard, isDuplicateKey, type ErrorContext } from '../errors';
import { SESSIONS_COLLECTION, type SessionModel } from '../models/session.model';
import type { SessionRepository } from '../repositories';
import { dateArg, idArg } from './guards';

export class MongoSessionRepository implements SessionRepository {
  constructor(
    private readonly model: SessionModel,
    private readonly ctx: ErrorContext,
  ) {}

  async touch(sessionId: string, now: Date): Promise<void> {
    const session_id = idArg(sessionId, 'sessionId');
    const at = dateArg(now, 'now');
    // By primary key, through the driver: no query casting on the accept path. The update only
    // holds operators built here from checked values, so there is nothing for mongoose to sanitize.
    const upsert = () =>
      this.model.collection.updateOne(
        { _id: session_id as never },
        {
          $setOnInsert: { session_id, created_at: at },
          // $max: a late, out-of-order touch never moves updated_at backwards.
          $max: { updated_at: at },
          $inc: { task_count: 1 },
        },
        { upsert: true },
      );
    return guard(SESSIONS_COLLECTION, this.ctx, async () => {
      try {
        await upsert();
      } catch (err) {
        // Two first touches raced and both tried to insert: the loser now finds
        // the document and updates it.
        if (!isDuplicateKey(err)) throw err;
        await upsert();
      }
    });
  }
}
