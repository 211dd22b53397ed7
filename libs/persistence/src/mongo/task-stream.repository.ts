import { ValidationError, type StreamEvent, type StreamEventDraft, type StreamEventType } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { DuplicateKeyError, guard, mapMongoError, type ErrorContext } from '../errors';
import { TASK_STREAM_COLLECTION, streamEventKey, type TaskStreamModel } from '../models/task-stream.model';
import { MAX_STREAM_PAGE, type StreamAppend, type StreamAppendOutcome, type TaskStreamRepository } from '../repositories';
import { writeErrorAsError, writeErrorsOf } from './bulk-errors';
import { dateArg, idArg } from './guards';
import { KeyReadBatcher } from './key-read-batcher';

/** Inserts that lost the race for a number before giving up (each one means another writer stored an event meanwhile). */
const MAX_APPEND_ATTEMPTS = 20;

export class MongoTaskStreamRepository implements TaskStreamRepository {
  /** The `has` lookups of one event-loop turn (many tasks' first events, in the worker) share one round trip (key-read-batcher.ts). */
  private readonly keyReads: KeyReadBatcher;

  constructor(
    private readonly model: TaskStreamModel,
    private readonly ctx: ErrorContext,
  ) {
    this.keyReads = new KeyReadBatcher(model.collection, {});
  }

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

  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    const tasks = new Set<string>();
    for (const { draft } of appends) {
      if (tasks.has(draft?.task_id)) throw new ValidationError('appendMany takes at most one event per task', [{ field: 'task_id', message: `${String(draft.task_id)} appears twice` }]);
      tasks.add(draft?.task_id);
    }
    const outcomes: StreamAppendOutcome[] = new Array(appends.length);
    /** The documents to insert and, for each, its place in `appends`. */
    const docs: { doc: StreamEventDoc; at: number }[] = [];
    await Promise.all(
      appends.map(async ({ draft, lastSeq }, at) => {
        try {
          const task_id = idArg(draft.task_id, 'task_id');
          const timestamp = dateArg(draft.timestamp, 'timestamp');
          const seq = (lastSeq ?? (await this.lastSeq(task_id))) + 1;
          docs.push({ doc: { _id: streamEventKey(task_id, seq), task_id, seq, event: draft.event, timestamp, agent_name: draft.agent_name, data: draft.data }, at });
        } catch (err) {
          outcomes[at] = { error: err };
        }
      }),
    );
    const failed = new Map<number, unknown>();
    if (docs.length > 0) {
      try {
        // Unordered: one event's duplicate key (its number taken) does not keep the others out.
        await this.model.collection.insertMany(
          docs.map((d) => d.doc as never),
          { ordered: false },
        );
      } catch (err) {
        const writeErrors = writeErrorsOf(err);
        // Not a per-document failure (the server unreachable...): none of them is known stored.
        if (!writeErrors) for (let i = 0; i < docs.length; i++) failed.set(i, mapMongoError(err, TASK_STREAM_COLLECTION, this.ctx));
        else for (const w of writeErrors) failed.set(w.index, mapMongoError(writeErrorAsError(w), TASK_STREAM_COLLECTION, this.ctx));
      }
    }
    await Promise.all(
      docs.map(async ({ doc, at }, i) => {
        const { draft } = appends[at] as StreamAppend;
        if (!failed.has(i)) {
          outcomes[at] = { event: { task_id: doc.task_id, seq: doc.seq, event: draft.event, timestamp: doc.timestamp, agent_name: draft.agent_name, data: draft.data } };
          return;
        }
        const err = failed.get(i);
        if (!(err instanceof DuplicateKeyError)) {
          outcomes[at] = { error: err };
          return;
        }
        // Another writer took the number: as `append` does, read the last one again and insert the next.
        try {
          outcomes[at] = { event: await this.append(draft) };
        } catch (appendErr) {
          outcomes[at] = { error: appendErr };
        }
      }),
    );
    return outcomes;
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
      return (await this.keyReads.read(streamEventKey(task_id, seq))) !== null;
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

interface StreamEventDoc {
  _id: string;
  task_id: string;
  seq: number;
  event: StreamEventType;
  timestamp: Date;
  agent_name: string | null;
  data: Record<string, unknown>;
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
