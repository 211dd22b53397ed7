import type { Message } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { guard, type ErrorContext } from '../errors';
import { MESSAGES_COLLECTION, type MessageModel } from '../models/message.model';
import type { MessageRepository } from '../repositories';
import { dateArg, idArg, limitArg } from './guards';
import { toMessage } from './mappers';

export class MongoMessageRepository implements MessageRepository {
  constructor(
    private readonly model: MessageModel,
    private readonly ctx: ErrorContext,
  ) {}

  async append(message: Message): Promise<void> {
    return guard(MESSAGES_COLLECTION, this.ctx, async () => {
      idArg(message?.message_id, 'message_id');
      idArg(message?.session_id, 'session_id');
      await this.model.create(message);
    });
  }

  async recentBySession(sessionId: string, options: { limit: number; before?: Date }): Promise<Message[]> {
    const session_id = idArg(sessionId, 'sessionId');
    const limit = limitArg(options?.limit);
    const before = options.before === undefined ? undefined : dateArg(options.before, 'before');
    if (limit === 0) return []; // limit(0) means "no limit" to MongoDB
    return guard(MESSAGES_COLLECTION, this.ctx, async () => {
      const filter = before === undefined ? { session_id } : { session_id, created_at: mongoose.trusted({ $lt: before }) };
      // Newest `limit` first (so the limit keeps the latest), then flipped to read oldest first.
      const docs = await this.model.find(filter).sort({ created_at: -1, _id: -1 }).limit(limit).lean();
      return docs.map(toMessage).reverse();
    });
  }

  async listByTask(taskId: string): Promise<Message[]> {
    const task_id = idArg(taskId, 'taskId');
    return guard(MESSAGES_COLLECTION, this.ctx, async () => {
      const docs = await this.model.find({ task_id }).sort({ created_at: 1, _id: 1 }).lean();
      return docs.map(toMessage);
    });
  }
}
