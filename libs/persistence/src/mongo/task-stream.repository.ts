import type { StreamEvent, StreamEventDraft, StreamEventType } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { DuplicateKeyError, guard, type ErrorContext } from '../errors';
import { TASK_STREAM_COLLECTION, streamEventKey, type TaskStreamModel } from '../models/task-stream.model';
import { MAX_STREAM_PAGE, type TaskStreamRepository } from '../repositories';
import { dateArg, idArg } from './guards';

/** Inserts that lost the race for a number before giving up (each one means another writer stored an event meanwhile). */
const MAX_APPEND_ATTEMPTS = 20;

export class MongoTaskStreamRepository implements TaskStreamRepository {
  constructor(
    private readonly model: TaskStreamModel,
    private readonly ctx: ErrorContext,
  ) {}

  async append(draft: StreamEventDraft, lastSeq?: number): Promise<StreamEvent> {
    const task_id = idArg(draft.task_id, 'task_id');
    const timestamp = dateArg(draft.timestamp, 'timestamp');
    let last = lastSeq ?? (await this.lastSeq(task_id));
    for (let attempt = 1; ; attempt++) {
      const seq = last + 1;
      const doc = { _id: streamEventKey(task_id, seq), task_id, seq, event: draft.event, timestamp, agent_name: draft.agent_name, data: draft.data };
      try {
        await guard(TASK_STREAM_COLLECTION, this.ctx, async () => {
          await this.model.collection.insertOne(doc as never);
        });
        return { task_id, seq, event: draft.event, timestamp, agent_name: draft.agent_name, data: draft.data };
      } catch (err) {
        // Another writer (the api, another worker) took this number: read the last one again.
        if (!(err instanceof DuplicateKeyError) || attempt >= MAX_APPEND_ATTEMPTS) throw err;
        last = await this.lastSeq(task_id);
      }
    }
  }

  async listAfter(taskId: string, afterSeq: number, options: { limit?: number } = {}): Promise<StreamEvent[]> {
    const task_id = idArg(taskId, 'taskId');
    const after = Number.isSafeInteger(afterSeq) && afterSeq > 0 ? afterSeq : 0;
    const limit = Math.min(MAX_STREAM_PAGE, Math.max(1, Math.floor(options.limit ?? MAX_STREAM_PAGE)));
    return guard(TASK_STREAM_COLLECTION, this.ctx, async () => {
      const docs = await this.model
        .find({ task_id, seq: mongoose.trusted({ $gt: after }) })
        .sort({ seq: 1 })
        .limit(limit)
        .lean();
      return docs.map(toStreamEvent);
    });
  }

  async has(taskId: string, seq: number): Promise<boolean> {
    const task_id = idArg(taskId, 'taskId');
    if (!Number.isSafeInteger(seq) || seq < 1) return false;
    return guard(TASK_STREAM_COLLECTION, this.ctx, async () => {
      const doc = await this.model.collection.findOne({ _id: streamEventKey(task_id, seq) } as never, { projection: { _id: 1 } });
      return doc !== null;
    });
  }

  async lastSeq(taskId: string): Promise<number> {
    const task_id = idArg(taskId, 'taskId');
    return guard(TASK_STREAM_COLLECTION, this.ctx, async () => {
      const doc = await this.model.findOne({ task_id }, { seq: 1 }).sort({ seq: -1 }).lean();
      return typeof doc?.seq === 'number' ? doc.seq : 0;
    });
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const before = dateArg(cutoff, 'cutoff');
    return guard(TASK_STREAM_COLLECTION, this.ctx, async () => {
      const res = await this.model.deleteMany({ timestamp: mongoose.trusted({ $lt: before }) });
      return res.deletedCount ?? 0;
    });
  }
}

function toStreamEvent(value: unknown): StreamEvent {
  const d = (value ?? {}) as Record<string, unknown>;
  const data = d['data'];
  return {
    task_id: typeof d['task_id'] === 'string' ? d['task_id'] : '',
    seq: typeof d['seq'] === 'number' ? d['seq'] : 0,
    // Names are add-only: a name a newer process wrote is passed through as is.
    event: String(d['event'] ?? '') as StreamEventType,
    timestamp: d['timestamp'] instanceof Date ? new Date(d['timestamp'].getTime()) : new Date(Number.NaN),
    agent_name: typeof d['agent_name'] === 'string' ? d['agent_name'] : null,
    data: typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
  };
}
