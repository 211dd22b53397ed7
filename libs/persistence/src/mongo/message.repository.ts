import type { Message } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { guard, isDuplicateKey, type ErrorContext } from '../errors';
import { MESSAGES_COLLECTION, type MessageModel } from '../models/message.model';
import type { SessionModel } from '../models/session.model';
import type { MessageRepository } from '../repositories';
import { dateArg, idArg, limitArg } from './guards';
import { messageDocument } from './documents';
import { InsertBatcher } from './insert-batcher';
import { OrderedBulkBatcher } from './ordered-bulk-batcher';
import { toMessage } from './mappers';
import { readSessionTurns, turnMessageIds } from './session-turns';

export class MongoMessageRepository implements MessageRepository {
  /** The inserts of `append` made in one event-loop turn share one round trip (insert-batcher.ts). */
  private readonly inserts: InsertBatcher<mongoose.mongo.Document>;
  /** The upserts of `put` made in one event-loop turn (many tasks' replies) share one round trip (ordered-bulk-batcher.ts). */
  private readonly puts: OrderedBulkBatcher;

  constructor(
    private readonly model: MessageModel,
    private readonly ctx: ErrorContext,
    /** The sessions' recent slices (session-turns.ts), read first by `recentBySession`. */
    private readonly sessions?: SessionModel,
  ) {
    this.inserts = new InsertBatcher(model.collection);
    this.puts = new OrderedBulkBatcher(model.collection);
  }

  async append(message: Message): Promise<void> {
    return guard(MESSAGES_COLLECTION, this.ctx, async () => {
      // Built and checked field by field (documents.ts), inserted by the driver: no mongoose document.
      await this.inserts.insert(messageDocument(message));
    });
  }

  async put(message: Message): Promise<void> {
    return guard(MESSAGES_COLLECTION, this.ctx, async () => {
      // Built and checked field by field (documents.ts), written by the driver: no mongoose query casting.
      const { _id, content, agent_name, ...identity } = messageDocument(message);
      const set = { content, agent_name };
      try {
        await this.puts.write([{ updateOne: { filter: { _id: _id as never }, update: { $set: set, $setOnInsert: identity }, upsert: true } }]);
      } catch (err) {
        // Two upserts racing on a new id: the loser hits the unique index (MongoDB 11000; FerretDB
        // reports code 1 "UNIQUE constraint"). The message exists now, so update it instead (by
        // message_id: a message stored before `_id` was its id has an ObjectId there).
        if (!isDuplicateKey(err) && !isUniqueViolation(err)) throw err;
        await this.model.collection.updateOne({ message_id: message.message_id }, { $set: set });
      }
    });
  }

  async recentBySession(sessionId: string, options: { limit: number; before?: Date }): Promise<Message[]> {
    const session_id = idArg(sessionId, 'sessionId');
    const limit = limitArg(options?.limit);
    const before = options.before === undefined ? undefined : dateArg(options.before, 'before');
    if (limit === 0) return []; // limit(0) means "no limit" to MongoDB
    return guard(MESSAGES_COLLECTION, this.ctx, async () => {
      const fromSlice = await this.recentFromSlice(session_id, limit, before);
      if (fromSlice) return fromSlice;
      const filter = before === undefined ? { session_id } : { session_id, created_at: mongoose.trusted({ $lt: before }) };
      // Newest `limit` first (so the limit keeps the latest), then flipped to read oldest first.
      const docs = await this.model.find(filter).sort({ created_at: -1, _id: -1 }).limit(limit).lean();
      return docs.map(toMessage).reverse();
    });
  }

  /**
   * `recentBySession` from the session's recent slice: one read of the session, then primary-key
   * lookups of the user messages of the last `limit` turns before the bound and of the replies of
   * every turn before it (a reply can come after later tasks' messages). Null when the slice cannot
   * answer exactly; the caller then runs the indexed query.
   */
  private async recentFromSlice(sessionId: string, limit: number, before: Date | undefined): Promise<Message[] | null> {
    if (!this.sessions) return null;
    const slice = await readSessionTurns(this.sessions.collection, sessionId);
    if (!slice) return null;
    const turns = slice.turns.filter((t) => before === undefined || t.created_at.getTime() < before.getTime()).sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
    if (!slice.complete && turns.length < limit) return null;
    const lastTurns = new Set(turns.slice(-limit));
    const ids = turns.flatMap((t) => {
      const { user, reply } = turnMessageIds(t);
      return lastTurns.has(t) ? [user, reply] : [reply];
    });
    const found = await Promise.all(ids.map((id) => this.model.collection.findOne({ _id: id as never })));
    const users = found.filter((d) => d !== null && d['role'] === 'user').length;
    // A turn whose messages are missing (the accept failed after the touch): exact only if complete.
    if (users < lastTurns.size && !slice.complete) return null;
    const messages = found
      .filter((d) => d !== null)
      .map(toMessage)
      .filter((m) => before === undefined || m.created_at.getTime() < before.getTime())
      // Ties as the query breaks them: by _id, which is the message id.
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.message_id < b.message_id ? -1 : a.message_id > b.message_id ? 1 : 0));
    return messages.slice(-limit);
  }

  async listByTask(taskId: string): Promise<Message[]> {
    const task_id = idArg(taskId, 'taskId');
    return guard(MESSAGES_COLLECTION, this.ctx, async () => {
      const docs = await this.model.find({ task_id }).sort({ created_at: 1, _id: 1 }).lean();
      return docs.map(toMessage);
    });
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown };
  return e.code === 1 && typeof e.message === 'string' && e.message.includes('UNIQUE constraint');
}
