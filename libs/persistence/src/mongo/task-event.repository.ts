import { type TaskEvent, type TaskEventLevel, type TaskEventType } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { guard, type ErrorContext } from '../errors';
import { LOGS_COLLECTION, type LogModel } from '../models/log.model';
import { MAX_TASK_EVENTS, type TaskEventRepository } from '../repositories';
import { dateArg, idArg } from './guards';

const LEVELS: readonly TaskEventLevel[] = ['debug', 'info', 'warn', 'error'];

export class MongoTaskEventRepository implements TaskEventRepository {
  constructor(
    private readonly model: LogModel,
    private readonly ctx: ErrorContext,
  ) {}

  async appendMany(events: readonly TaskEvent[]): Promise<void> {
    if (events.length === 0) return;
    // Field by field: whatever else an event object carries is not stored.
    const docs = events.map((e) => ({
      timestamp: dateArg(e.timestamp, 'timestamp'),
      level: e.level,
      event: e.event,
      message: e.message,
      task_id: idArg(e.task_id, 'task_id'),
      session_id: e.session_id,
      request_id: e.request_id,
      agent_name: e.agent_name,
      service: e.service,
      data: e.data,
    }));
    return guard(LOGS_COLLECTION, this.ctx, async () => {
      // Ordered: insertion order breaks ties between events of the same millisecond.
      await this.model.insertMany(docs, { ordered: true, lean: true });
    });
  }

  async listByTask(taskId: string, options: { limit?: number } = {}): Promise<TaskEvent[]> {
    const task_id = idArg(taskId, 'taskId');
    const limit = Math.min(MAX_TASK_EVENTS, Math.max(1, Math.floor(options.limit ?? MAX_TASK_EVENTS)));
    return guard(LOGS_COLLECTION, this.ctx, async () => {
      const docs = await this.model.find({ task_id }).sort({ timestamp: 1, _id: 1 }).limit(limit).lean();
      return docs.map(toTaskEvent);
    });
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const before = dateArg(cutoff, 'cutoff');
    return guard(LOGS_COLLECTION, this.ctx, async () => {
      const res = await this.model.deleteMany({ timestamp: mongoose.trusted({ $lt: before }) });
      return res.deletedCount ?? 0;
    });
  }
}

function toTaskEvent(value: unknown): TaskEvent {
  const d = (value ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const data = d['data'];
  return {
    // Names are add-only, so a stored name is one this code knows or a newer one; it is passed through as is.
    event: String(d['event'] ?? '') as TaskEventType,
    level: LEVELS.includes(d['level'] as TaskEventLevel) ? (d['level'] as TaskEventLevel) : 'info',
    message: str(d['message']) ?? '',
    timestamp: d['timestamp'] instanceof Date ? new Date(d['timestamp'].getTime()) : new Date(Number.NaN),
    task_id: str(d['task_id']) ?? '',
    session_id: str(d['session_id']) ?? '',
    request_id: str(d['request_id']),
    agent_name: str(d['agent_name']),
    service: str(d['service']) ?? '',
    data: typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
  };
}
