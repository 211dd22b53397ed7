import type { Task, TaskError, TaskResult, TaskStatus, TaskUsage } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { guard, type ErrorContext } from '../errors';
import { TASKS_COLLECTION, type TaskModel } from '../models/task.model';
import type { TaskRepository, TaskRouting } from '../repositories';
import { dateArg, idArg, limitArg } from './guards';
import { toTask } from './mappers';

/** Statuses each transition may start from. Anything else and the update matches nothing. */
export const ALLOWED_FROM = {
  markProcessing: ['queued', 'processing'],
  recordRouting: ['processing'],
  complete: ['processing'],
  fail: ['queued', 'processing'],
} as const satisfies Record<string, readonly TaskStatus[]>;

export class MongoTaskRepository implements TaskRepository {
  constructor(
    private readonly model: TaskModel,
    private readonly ctx: ErrorContext,
  ) {}

  async create(task: Task): Promise<Task> {
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      idArg(task?.task_id, 'task_id');
      idArg(task?.session_id, 'session_id');
      const created = await this.model.create(task);
      return toTask(created.toObject());
    });
  }

  async findById(taskId: string): Promise<Task | null> {
    const task_id = idArg(taskId, 'taskId');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const found = await this.model.findOne({ task_id }).lean();
      return found ? toTask(found) : null;
    });
  }

  async markProcessing(taskId: string, now: Date): Promise<Task | null> {
    const at = dateArg(now, 'now');
    return this.transition(taskId, ALLOWED_FROM.markProcessing, {
      $set: { status: 'processing', started_at: at, updated_at: at },
      $inc: { attempts: 1 },
    });
  }

  async recordRouting(taskId: string, routing: TaskRouting, now: Date): Promise<Task | null> {
    const at = dateArg(now, 'now');
    // Copy field by field: a routing object with extra keys must not write them.
    return this.transition(taskId, ALLOWED_FROM.recordRouting, {
      $set: {
        selected_agent: routing.selected_agent,
        agent_type: routing.agent_type,
        agent_version: routing.agent_version,
        peer_routing_reason: routing.peer_routing_reason,
        confidence: routing.confidence,
        updated_at: at,
      },
    });
  }

  async complete(taskId: string, outcome: { result: TaskResult; usage: TaskUsage }, now: Date): Promise<Task | null> {
    const at = dateArg(now, 'now');
    return this.transition(taskId, ALLOWED_FROM.complete, {
      $set: {
        status: 'completed',
        result: outcome.result,
        usage: outcome.usage,
        error: null,
        completed_at: at,
        updated_at: at,
      },
    });
  }

  async fail(taskId: string, outcome: { error: TaskError; usage?: TaskUsage }, now: Date): Promise<Task | null> {
    const at = dateArg(now, 'now');
    const error: TaskError = { type: outcome.error.type, message: outcome.error.message };
    return this.transition(taskId, ALLOWED_FROM.fail, {
      $set: {
        status: 'failed',
        error,
        completed_at: at,
        updated_at: at,
        ...(outcome.usage ? { usage: outcome.usage } : {}),
      },
    });
  }

  async recentBySession(sessionId: string, options: { limit: number; excludeTaskId?: string }): Promise<Task[]> {
    const session_id = idArg(sessionId, 'sessionId');
    const limit = limitArg(options?.limit);
    const exclude = options.excludeTaskId === undefined ? undefined : idArg(options.excludeTaskId, 'excludeTaskId');
    if (limit === 0) return []; // limit(0) means "no limit" to MongoDB
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const filter = exclude === undefined ? { session_id } : { session_id, task_id: mongoose.trusted({ $ne: exclude }) };
      // _id breaks ties between tasks created in the same millisecond (insertion order).
      const docs = await this.model.find(filter).sort({ created_at: -1, _id: -1 }).limit(limit).lean();
      return docs.map(toTask);
    });
  }

  /**
   * The one way a task's status moves: an atomic "update if the status is one
   * of `from`". Returns null when the task does not exist or is in another state.
   */
  private async transition(taskId: string, from: readonly TaskStatus[], update: mongoose.UpdateQuery<unknown>): Promise<Task | null> {
    const task_id = idArg(taskId, 'taskId');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const updated = await this.model
        .findOneAndUpdate({ task_id, status: mongoose.trusted({ $in: [...from] }) }, update, {
          returnDocument: 'after',
          runValidators: true,
        })
        .lean();
      return updated ? toTask(updated) : null;
    });
  }
}
