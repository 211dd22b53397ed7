import {
  DEFAULT_TENANT,
  sessionKey,
  ErrorType,
  allowedFrom,
  canMove,
  TASK_STATUSES,
  ValidationError,
  isTaskStatus,
  nearestRank,
  startOfNextUtcDay,
  startOfUtcDay,
  utcDayKey,
  type Task,
  type TaskError,
  type TaskStep,
  type TaskResult,
  type TaskStatus,
  type TaskUsage,
} from '@agent-orchestrator/domain';
import mongoose, { type mongo } from 'mongoose';

import { guard, type ErrorContext } from '../errors';
import type { SessionModel } from '../models/session.model';
import { TASKS_COLLECTION, type TaskModel } from '../models/task.model';
import { MAX_TASK_PAGE_SIZE, TASK_SUMMARY_FIELDS, type CancelRequest, type StepCheckpoint, type StaleTaskQuery, type TaskDayStats, type TaskListPage, type TaskCancelState, type TaskListQuery, type TaskRepository, type TaskRouting } from '../repositories';
import { dateArg, idArg, limitArg } from './guards';
import { agentCheckpointDoc, numOrNull, routeCheckpointDoc, strOrNull, taskDocument, taskErrorDoc, taskResultDoc, taskUsageDoc } from './documents';
import { InsertBatcher } from './insert-batcher';
import { OrderedBulkBatcher } from './ordered-bulk-batcher';
import { toTask, toTaskSummary } from './mappers';
import { readSessionTurns } from './session-turns';

/** The fields a TaskSummary is read from; the heavy ones (raw output, citations, metadata) stay on the server. */
const TASK_SUMMARY_PROJECTION = {
  _id: 0,
  ...Object.fromEntries(TASK_SUMMARY_FIELDS.map((field) => [field, 1])),
  'result.summary': 1,
  'usage.total_tokens': 1,
  'usage.cost_usd': 1,
};

/** `error.message` of a cancelled task. */
const CANCELLED_MESSAGE = 'The task was cancelled by a client before it finished.';

/** The percentile `dayStats` reports. */
const LATENCY_PERCENTILE = 0.95;
/** Ids per query of `cancelStates`. */
const CANCEL_STATES_BATCH = 100;

/** Statuses each transition may start from: the domain's table of moves. Anything else and the update matches nothing. */
export const ALLOWED_FROM = {
  markProcessing: allowedFrom('pick_up'),
  recordRouting: allowedFrom('route'),
  saveCheckpoint: allowedFrom('checkpoint'),
  complete: allowedFrom('complete'),
  fail: allowedFrom('fail'),
  markCancelled: allowedFrom('cancel'),
} as const satisfies Record<string, readonly TaskStatus[]>;

export class MongoTaskRepository implements TaskRepository {
  /** The inserts of `create` made in one event-loop turn share one round trip (insert-batcher.ts). */
  private readonly inserts: InsertBatcher<mongo.Document>;
  /** The checkpoints of many tasks written in one event-loop turn share one round trip (ordered-bulk-batcher.ts). */
  private readonly checkpoints: OrderedBulkBatcher;

  constructor(
    private readonly model: TaskModel,
    private readonly ctx: ErrorContext,
    /** The sessions' recent slices (session-turns.ts), read first by `recentBySession`. */
    private readonly sessions?: SessionModel,
  ) {
    this.inserts = new InsertBatcher(model.collection);
    this.checkpoints = new OrderedBulkBatcher(model.collection);
  }

  async create(task: Task): Promise<Task> {
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      // Built and checked field by field (documents.ts), inserted by the driver: no mongoose document.
      const doc = taskDocument(task);
      await this.inserts.insert(doc);
      return toTask(doc);
    });
  }

  async findById(taskId: string): Promise<Task | null> {
    const task_id = idArg(taskId, 'taskId');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const found = await this.model.collection.findOne({ _id: task_id as never });
      return found ? toTask(found) : null;
    });
  }

  async cancelStates(taskIds: readonly string[]): Promise<TaskCancelState[]> {
    if (!Array.isArray(taskIds)) throw new ValidationError('taskIds must be an array', [{ field: 'taskIds', message: 'expected an array of ids' }]);
    const ids = [...new Set(taskIds.map((id) => idArg(id, 'taskIds')))];
    if (ids.length === 0) return [];
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const states: TaskCancelState[] = [];
      // By primary key, a bounded batch per query (a worker watches at most its concurrency's worth).
      for (let i = 0; i < ids.length; i += CANCEL_STATES_BATCH) {
        const batch = ids.slice(i, i + CANCEL_STATES_BATCH);
        const docs = await this.model.collection.find({ _id: { $in: batch as never[] } }, { projection: { _id: 1, status: 1, cancel_requested_at: 1 } }).toArray();
        for (const d of docs) {
          const requested = d['cancel_requested_at'];
          states.push({ task_id: String(d._id), status: d['status'] as TaskStatus, cancel_requested_at: requested instanceof Date ? requested : null });
        }
      }
      return states;
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
        selected_agent: strOrNull(routing?.selected_agent, 'selected_agent'),
        agent_type: strOrNull(routing.agent_type, 'agent_type'),
        agent_version: strOrNull(routing.agent_version, 'agent_version'),
        peer_routing_reason: strOrNull(routing.peer_routing_reason, 'peer_routing_reason'),
        confidence: numOrNull(routing.confidence, 'confidence'),
        updated_at: at,
      },
    });
  }

  async saveCheckpoint(taskId: string, checkpoint: StepCheckpoint, now: Date): Promise<void> {
    const at = dateArg(now, 'now');
    if (typeof checkpoint !== 'object' || checkpoint === null || (checkpoint.step !== 'route' && checkpoint.step !== 'agent')) {
      throw new ValidationError('checkpoint.step must be route or agent', [{ field: 'checkpoint.step', message: `got ${String((checkpoint as { step?: unknown } | null)?.step)}` }]);
    }
    // Copied field by field, like recordRouting: extra keys are never written.
    const value = checkpoint.step === 'route' ? routeCheckpointDoc(checkpoint.checkpoint) : agentCheckpointDoc(checkpoint.checkpoint);
    // One update in a bulk write shared with the other tasks' checkpoints of this turn: the worker needs
    // only the acknowledgement, so the task is not read back (and a bulk write has no per-update answer).
    const task_id = idArg(taskId, 'taskId');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      await this.checkpoints.write([
        {
          updateOne: {
            filter: { status: { $in: [...ALLOWED_FROM.saveCheckpoint] }, _id: task_id as never },
            update: { $set: { [`checkpoints.${checkpoint.step}`]: value, updated_at: at } },
          },
        },
      ]);
    });
  }

  async markStepReused(taskId: string, step: TaskStep, now: Date): Promise<Task | null> {
    const at = dateArg(now, 'now');
    if (step !== 'route' && step !== 'agent') throw new ValidationError('step must be route or agent', [{ field: 'step', message: `got ${String(step)}` }]);
    return this.transition(taskId, ALLOWED_FROM.saveCheckpoint, { $addToSet: { reused_steps: step }, $set: { updated_at: at } });
  }

  async complete(taskId: string, outcome: { result: TaskResult; usage: TaskUsage }, now: Date, known?: Pick<Task, 'queued_at' | 'callback_url'>): Promise<Task | null> {
    const at = dateArg(now, 'now');
    const result = taskResultDoc(outcome?.result);
    const usage = taskUsageDoc(outcome.usage);
    const completed = (stamp: Record<string, unknown>) => ({ $set: { status: 'completed', result, usage, error: null, completed_at: at, updated_at: at, ...stamp } });
    if (known?.queued_at instanceof Date) {
      // The stamp from the caller's copy, without a read: applied only while queued_at is that copy's
      // (callback_url never changes); a task requeued since then takes the reading path below.
      const stamp = stampOf({ queued_at: known.queued_at, callback_url: known.callback_url }, at);
      const moved = await this.transitionWhere(taskId, { status: { $in: [...ALLOWED_FROM.complete] }, queued_at: known.queued_at }, completed(stamp));
      if (moved) return moved;
    }
    const stamp = await this.finishStamp(taskId, at);
    if (stamp === null) return null;
    return this.transition(taskId, ALLOWED_FROM.complete, completed(stamp));
  }

  async fail(taskId: string, outcome: { error: TaskError; usage?: TaskUsage }, now: Date): Promise<Task | null> {
    const at = dateArg(now, 'now');
    const error = taskErrorDoc(outcome?.error);
    if (error === null) throw new ValidationError('error is required', [{ field: 'error', message: 'expected an error' }]);
    const usage = outcome.usage ? taskUsageDoc(outcome.usage) : undefined;
    const stamp = await this.finishStamp(taskId, at);
    if (stamp === null) return null;
    return this.transition(taskId, ALLOWED_FROM.fail, {
      $set: {
        status: 'failed',
        error,
        completed_at: at,
        updated_at: at,
        ...(usage ? { usage } : {}),
        ...stamp,
      },
    });
  }

  async requestCancel(taskId: string, now: Date): Promise<CancelRequest | null> {
    const at = dateArg(now, 'now');
    const marker = await this.webhookMarker(taskId, at);
    if (marker === null) return null;
    // Not queued yet: it never ran, so it ends here. No latency stamp: cancelled tasks stay out of the latency figures.
    const cancelled = await this.transition(taskId, allowedFrom('cancel').filter((s) => s === 'queued'), {
      $set: { status: 'cancelled', cancel_requested_at: at, completed_at: at, updated_at: at, error: { type: ErrorType.CANCELLED, message: CANCELLED_MESSAGE }, ...marker },
    });
    if (cancelled) return { change: 'cancelled', task: cancelled };
    // Running: leave a mark for the worker. `cancel_requested_at: null` keeps the first request's time (and makes this one-shot).
    const requested = await this.transitionWhere(taskId, { status: { $in: [...allowedFrom('request_cancel')] }, cancel_requested_at: null }, { $set: { cancel_requested_at: at, updated_at: at } });
    if (requested) return { change: 'requested', task: requested };
    const current = await this.findById(taskId);
    return current ? { change: 'none', task: current } : null;
  }

  async markCancelled(taskId: string, outcome: { usage?: TaskUsage }, now: Date): Promise<Task | null> {
    const at = dateArg(now, 'now');
    const usage = outcome?.usage ? taskUsageDoc(outcome.usage) : undefined;
    const marker = await this.webhookMarker(taskId, at);
    if (marker === null) return null;
    return this.transition(taskId, ALLOWED_FROM.markCancelled, {
      $set: {
        status: 'cancelled',
        error: { type: ErrorType.CANCELLED, message: CANCELLED_MESSAGE },
        completed_at: at,
        updated_at: at,
        ...(usage ? { usage } : {}),
        ...marker,
      },
    });
  }

  async listWebhookPending(olderThan: Date, limit: number): Promise<Task[]> {
    const before = dateArg(olderThan, 'olderThan');
    const max = limitArg(limit);
    if (max === 0) return []; // limit(0) means "no limit" to MongoDB
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      // One range of the sparse {webhook_pending_at} index: only marked tasks are in it.
      const docs = await this.model.collection.find({ webhook_pending_at: { $lt: before } }).sort({ webhook_pending_at: 1 }).limit(max).toArray();
      return docs.map(toTask);
    });
  }

  async clearWebhookPending(taskId: string, endedAt: Date): Promise<boolean> {
    const task_id = idArg(taskId, 'taskId');
    const at = dateArg(endedAt, 'endedAt');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      // Conditional on the value: a later ending's marker (after a retry) is not this one's to clear.
      const res = await this.model.collection.updateOne({ _id: task_id as never, webhook_pending_at: at }, { $unset: { webhook_pending_at: '' } });
      return res.modifiedCount === 1;
    });
  }

  async listStale(query: StaleTaskQuery): Promise<Task[]> {
    if (typeof query !== 'object' || query === null) throw new ValidationError('query must be an object', [{ field: 'query', message: 'expected an object' }]);
    if (!isTaskStatus(query.status)) throw new ValidationError('status is not a task status', [{ field: 'status', message: `got ${String(query.status)}` }]);
    const olderThan = dateArg(query.olderThan, 'olderThan');
    const limit = query.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_TASK_PAGE_SIZE) {
      throw new ValidationError(`limit must be an integer from 1 to ${MAX_TASK_PAGE_SIZE}`, [{ field: 'limit', message: `got ${String(limit)}` }]);
    }
    const filter: Record<string, unknown> = { status: query.status };
    const queued: Record<string, Date> = { $lt: olderThan };
    if (query.after !== undefined) {
      const afterAt = dateArg(query.after?.queued_at, 'after.queued_at');
      const afterId = idArg(query.after?.task_id, 'after.task_id');
      // Keyset: (queued_at, task_id) > (a, t). The range starts the index walk at a; the $or drops the ties already seen.
      queued['$gte'] = afterAt;
      filter['$or'] = [{ queued_at: mongoose.trusted({ $gt: afterAt }) }, { task_id: mongoose.trusted({ $gt: afterId }) }];
    }
    filter['queued_at'] = mongoose.trusted(queued);
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const docs = await this.model.find(filter).sort({ queued_at: 1, task_id: 1 }).limit(limit).lean();
      return docs.map(toTask);
    });
  }

  async requeueFailed(taskId: string, options: { retryableTypes: readonly string[] }, now: Date): Promise<Task | null> {
    const task_id = idArg(taskId, 'taskId');
    const at = dateArg(now, 'now');
    const types = options?.retryableTypes;
    if (!Array.isArray(types) || !types.every((t) => typeof t === 'string')) {
      throw new ValidationError('retryableTypes must be an array of strings', [{ field: 'retryableTypes', message: 'expected strings' }]);
    }
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const current = await this.model.findOne({ _id: task_id }).lean();
      if (!current || !canMove(current.status as TaskStatus, 'retry')) return null;
      const before = toTask(current);
      if (before.error === null || !types.includes(before.error.type)) return null;
      // The history entry is built from what was read, so the update only applies to that exact
      // version (status and updated_at unchanged): no pipeline update, which FerretDB v1 lacks.
      const updated = await this.model
        .findOneAndUpdate(
          { _id: task_id, status: current.status, updated_at: current.updated_at },
          {
            $set: {
              status: 'queued',
              error: null,
              result: null,
              started_at: null,
              completed_at: null,
              queued_at: at,
              updated_at: at,
              latency_ms: null,
              finished_day: null,
              // A client's retry starts over: no step is taken from the failed attempts.
              checkpoints: { route: null, agent: null },
              reused_steps: [],
            },
            // The failed ending's delivery is recorded by now (RetryTask records it before this move).
            $unset: { webhook_pending_at: '' },
            $push: { retries: { error: before.error, failed_at: before.completed_at, retried_at: at, attempts: before.attempts } },
          },
          { returnDocument: 'after', runValidators: true },
        )
        .lean();
      return updated ? toTask(updated) : null;
    });
  }

  async recentBySession(sessionId: string, options: { limit: number; excludeTaskId?: string; createdAtOrBefore?: Date; tenantId?: string }): Promise<Task[]> {
    const session_id = idArg(sessionId, 'sessionId');
    const tenant_id = idArg(options?.tenantId ?? DEFAULT_TENANT, 'tenantId');
    const limit = limitArg(options?.limit);
    const exclude = options.excludeTaskId === undefined ? undefined : idArg(options.excludeTaskId, 'excludeTaskId');
    const until = options.createdAtOrBefore === undefined ? undefined : dateArg(options.createdAtOrBefore, 'createdAtOrBefore');
    if (limit === 0) return []; // limit(0) means "no limit" to MongoDB
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      // The session document is the tenant's own (its _id is the tenant's session key).
      const fromSlice = await this.recentFromSlice(sessionKey(tenant_id, session_id), limit, exclude, until);
      if (fromSlice) return fromSlice;
      const filter: Record<string, unknown> = { tenant_id, session_id };
      if (exclude !== undefined) filter['task_id'] = mongoose.trusted({ $ne: exclude });
      // In the query, before the limit: the bound must not be applied to the newest few only.
      if (until !== undefined) filter['created_at'] = mongoose.trusted({ $lte: until });
      // The task id breaks ties between tasks created in the same millisecond, as in `list`.
      const docs = await this.model.find(filter).sort({ created_at: -1, task_id: -1 }).limit(limit).lean();
      return docs.map(toTask);
    });
  }

  /**
   * `recentBySession` from the session's recent slice: one read of the session and one primary-key
   * lookup per task, so nothing scans. Null when the slice cannot answer exactly (no session
   * document, or a trimmed slice with fewer turns than asked for before the bound): the caller
   * then runs the indexed query.
   */
  private async recentFromSlice(sessionId: string, limit: number, exclude: string | undefined, until: Date | undefined): Promise<Task[] | null> {
    if (!this.sessions) return null;
    const slice = await readSessionTurns(this.sessions.collection, sessionId);
    if (!slice) return null;
    const candidates = slice.turns
      .filter((t) => t.task_id !== exclude && (until === undefined || t.created_at.getTime() <= until.getTime()))
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.task_id < b.task_id ? 1 : a.task_id > b.task_id ? -1 : 0))
      .slice(0, limit);
    if (!slice.complete && candidates.length < limit) return null;
    const found = await Promise.all(candidates.map((t) => this.model.collection.findOne({ _id: t.task_id as never })));
    const tasks = found.filter((d) => d !== null).map(toTask);
    // A turn whose task insert failed (the accept's 503) has no task: exact only if the slice is complete.
    if (tasks.length < candidates.length && !slice.complete) return null;
    return tasks;
  }

  async countInFlight(tenantId: string, cap: number): Promise<number> {
    const tenant_id = idArg(tenantId, 'tenantId');
    if (typeof cap !== 'number' || !Number.isInteger(cap) || cap < 0) throw new ValidationError('cap must be a non-negative integer', [{ field: 'cap', message: `got ${String(cap)}` }]);
    const limit = cap;
    if (limit === 0) return 0;
    return guard(TASKS_COLLECTION, this.ctx, () => this.model.countDocuments({ tenant_id, status: mongoose.trusted({ $in: ['queued', 'processing'] }) }, { limit }));
  }

  async list(query: TaskListQuery): Promise<TaskListPage> {
    const { filter, limit } = listFilter(query);
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      // One extra row says whether another page exists without a count.
      const docs = await this.model
        .find(filter)
        .sort({ created_at: -1, task_id: -1 })
        .limit(limit + 1)
        .select(TASK_SUMMARY_PROJECTION)
        .lean();
      return { items: docs.slice(0, limit).map(toTaskSummary), has_more: docs.length > limit };
    });
  }

  /**
   * Four queries, each bounded to the day by an index (see task.model.ts):
   * 1. tasks created that day grouped by (status, agent): a covered scan of the
   *    day's `created_at` range, O(tasks created that day), a handful of groups;
   * 2. count, and sum of `latency_ms`, over `finished_day = day`: covered scans,
   *    O(tasks finished that day);
   * 3. then p95 by nearest rank: walk `{finished_day, latency_ms}` from the slow end,
   *    skipping n - rank entries, O(0.05 n) index keys, one document returned.
   * Nothing is loaded into this process but the groups and one latency.
   */
  async dayStats(now: Date, options: { maxTimeMs?: number } = {}): Promise<TaskDayStats> {
    const at = dateArg(now, 'now');
    const maxTimeMs = options.maxTimeMs === undefined ? undefined : positiveIntArg(options.maxTimeMs, 'maxTimeMs');
    const dayStart = startOfUtcDay(at);
    const finished_day = utcDayKey(at);
    const aggregateOptions = maxTimeMs === undefined ? {} : { maxTimeMS: maxTimeMs };

    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const [groups, count, latencySum] = await Promise.all([
        this.model
          .aggregate<{ _id: { status?: unknown; agent_name?: unknown; agent_type?: unknown }; count: number }>([
            { $match: { created_at: { $gte: dayStart, $lt: startOfNextUtcDay(at) } } },
            { $group: { _id: { status: '$status', agent_name: '$selected_agent', agent_type: '$agent_type' }, count: { $sum: 1 } } },
          ])
          .option(aggregateOptions),
        this.model.countDocuments({ finished_day }, aggregateOptions),
        // One accumulator per $group and no $avg: FerretDB v1 lacks $avg and returns 0 for every
        // accumulator after the first. The caller divides sum by count.
        this.model.aggregate<{ sum: number }>([{ $match: { finished_day } }, { $group: { _id: null, sum: { $sum: '$latency_ms' } } }]).option(aggregateOptions),
      ]);

      const created_by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
      const byAgent = new Map<string, { agent_name: string; agent_type: string | null; count: number }>();
      for (const { _id: key, count: n } of groups) {
        if (isTaskStatus(key.status)) created_by_status[key.status] += n;
        if (typeof key.agent_name !== 'string') continue;
        const agent_type = typeof key.agent_type === 'string' ? key.agent_type : null;
        const id = `${key.agent_name}\u0000${agent_type ?? ''}`;
        const entry = byAgent.get(id) ?? { agent_name: key.agent_name, agent_type, count: 0 };
        entry.count += n;
        byAgent.set(id, entry);
      }
      const created_by_agent = [...byAgent.values()].sort((a, b) => b.count - a.count || a.agent_name.localeCompare(b.agent_name));

      const sum = latencySum[0]?.sum ?? 0;
      let p95: number | null = null;
      if (count > 0) {
        let query = this.model
          .find({ finished_day })
          .sort({ latency_ms: -1 })
          .skip(count - nearestRank(count, LATENCY_PERCENTILE))
          .limit(1)
          .select({ _id: 0, latency_ms: 1 });
        if (maxTimeMs !== undefined) query = query.maxTimeMS(maxTimeMs);
        const [row] = await query.lean();
        p95 = typeof row?.latency_ms === 'number' ? row.latency_ms : null;
      }
      return { day_start: dayStart, created_by_status, created_by_agent, latency_ms: { count, sum, p95 } };
    });
  }

  /**
   * The storage-only fields a completion or a failure stores: latency from the task's
   * queued_at (which never changes after creation, so reading it first is
   * safe), the UTC day it finished, and the webhook marker (see `webhookMarker`).
   * `null` when the task does not exist.
   */
  private async finishStamp(taskId: string, at: Date): Promise<{ latency_ms?: number; finished_day?: string; webhook_pending_at?: Date } | null> {
    const task_id = idArg(taskId, 'taskId');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const found = await this.model.collection.findOne({ _id: task_id as never }, { projection: { _id: 0, queued_at: 1, callback_url: 1 } });
      return found ? stampOf(found, at) : null;
    });
  }

  /**
   * The webhook marker an ending at `at` sets in its own update: `{ webhook_pending_at: at }` when
   * the task has a callback URL (which never changes after creation, so reading it first is safe),
   * else nothing. `null` when the task does not exist.
   */
  private async webhookMarker(taskId: string, at: Date): Promise<{ webhook_pending_at?: Date } | null> {
    const task_id = idArg(taskId, 'taskId');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      const found = await this.model.collection.findOne({ _id: task_id as never }, { projection: { _id: 0, callback_url: 1 } });
      return found ? markerOf(found, at) : null;
    });
  }

  /**
   * The one way a task's status moves: an atomic "update if the status is one
   * of `from`". Returns null when the task does not exist or is in another state.
   */
  private async transition(taskId: string, from: readonly TaskStatus[], update: mongo.UpdateFilter<mongo.Document>): Promise<Task | null> {
    return this.transitionWhere(taskId, { status: { $in: [...from] } }, update);
  }

  /** `transition` with any condition on the document besides its id (built here, never from callers' values). */
  private async transitionWhere(taskId: string, where: Record<string, unknown>, update: mongo.UpdateFilter<mongo.Document>): Promise<Task | null> {
    const task_id = idArg(taskId, 'taskId');
    return guard(TASKS_COLLECTION, this.ctx, async () => {
      // By primary key, through the driver (the worker's hot path): every value in `update` was
      // built and checked here (documents.ts), as the schema's validators would, and the filter
      // holds only operators built here, so there is nothing for mongoose to cast or sanitize.
      const updated = await this.model.collection.findOneAndUpdate({ ...where, _id: task_id as never }, update, { returnDocument: 'after' });
      return updated ? toTask(updated) : null;
    });
  }
}

/** What an ending at `at` stores besides its outcome, from the task's `queued_at` and `callback_url` (see `finishStamp`). */
function stampOf(found: Record<string, unknown>, at: Date): { latency_ms?: number; finished_day?: string; webhook_pending_at?: Date } {
  const marker = markerOf(found, at);
  const queuedAt = found['queued_at'] instanceof Date ? found['queued_at'].getTime() : Number.NaN;
  if (!Number.isFinite(queuedAt)) return marker;
  return { latency_ms: Math.max(0, at.getTime() - queuedAt), finished_day: utcDayKey(at), ...marker };
}

function markerOf(found: Record<string, unknown>, at: Date): { webhook_pending_at?: Date } {
  return typeof found['callback_url'] === 'string' && found['callback_url'] !== '' ? { webhook_pending_at: at } : {};
}

function positiveIntArg(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValidationError(`${field} must be a positive integer`, [{ field, message: `got ${String(value)}` }]);
  }
  return value;
}

/**
 * The filter of one page. Values are checked one by one (strings stay strings,
 * dates stay dates), and every operator object is built here and marked
 * trusted, so nothing a caller passes can become a query operator.
 */
function listFilter(query: TaskListQuery): { filter: Record<string, unknown>; limit: number } {
  if (typeof query !== 'object' || query === null) {
    throw new ValidationError('query must be an object', [{ field: 'query', message: 'expected an object' }]);
  }
  const limit = query.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_TASK_PAGE_SIZE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_TASK_PAGE_SIZE}`, [{ field: 'limit', message: `got ${String(limit)}` }]);
  }
  // Always the caller's tenant first: every list index starts with tenant_id.
  const filter: Record<string, unknown> = { tenant_id: idArg(query.tenant_id, 'tenant_id') };
  if (query.status !== undefined) {
    if (!isTaskStatus(query.status)) throw new ValidationError('status is not a task status', [{ field: 'status', message: `got ${String(query.status)}` }]);
    filter['status'] = query.status;
  }
  if (query.agent_type !== undefined) filter['agent_type'] = idArg(query.agent_type, 'agent_type');
  if (query.session_id !== undefined) filter['session_id'] = idArg(query.session_id, 'session_id');

  const created: Record<string, Date> = {};
  if (query.created_from !== undefined) created['$gte'] = dateArg(query.created_from, 'created_from');
  if (query.created_to !== undefined) created['$lt'] = dateArg(query.created_to, 'created_to');
  if (query.after !== undefined) {
    const after = query.after;
    if (typeof after !== 'object' || after === null) throw new ValidationError('after must be an object', [{ field: 'after', message: 'expected an object' }]);
    const createdAt = dateArg(after.created_at, 'after.created_at');
    const taskId = idArg(after.task_id, 'after.task_id');
    // Keyset: (created_at, task_id) < (c, t) in the sort order. The range on created_at starts the
    // index walk at c; the $or only drops the ties at c that came before on the previous page.
    created['$lte'] = createdAt;
    filter['$or'] = [{ created_at: mongoose.trusted({ $lt: createdAt }) }, { task_id: mongoose.trusted({ $lt: taskId }) }];
  }
  if (Object.keys(created).length > 0) filter['created_at'] = mongoose.trusted(created);
  return { filter, limit };
}
