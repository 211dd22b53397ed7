import {
  DEFAULT_TENANT,
  tenantOf,
  TASK_STATUSES,
  addCost,
  addUsage,
  canMove,
  isTerminalStatus,
  nearestRank,
  startOfNextUtcDay,
  startOfUtcDay,
  ValidationError,
  type AgentRun,
  type Message,
  type Session,
  type StreamEvent,
  type StreamEventDraft,
  type Task,
  type TaskEvent,
  type TaskMove,
  type TaskStatus,
  type UsageTotals,
  type WebhookDelivery,
} from '@agent-orchestrator/domain';
import type { MongoStore } from '../connection';
import { DatabaseUnavailableError } from '../errors';
import { applyPaths, counterPaths, dayId, documentUpdates, figuresOf, historyPoints, minuteId, minuteStart, rebuiltPaths, tenantDayId, type CounterDoc } from '../counters/counter-docs';
import { taskSummary, type IdempotencyRecord, type Repositories, type TaskListPosition } from '../repositories';
import { MAX_HISTORY_MINUTES, type DayCounters } from '../task-counters';

const clone = <T>(value: T): T => structuredClone(value);

/** The moves that end a task: each sets the webhook marker of a task with a callback URL. */
const ENDING_MOVES: ReadonlySet<TaskMove> = new Set(['complete', 'fail', 'cancel']);

/**
 * The repository contract in memory, for unit specs of what sits on the repositories (the use cases
 * of the api and of the worker, the routes). Status moves follow the domain's table (`canMove`),
 * like the Mongo repository's conditional updates. `down = true` makes every call fail as if MongoDB were unreachable; `calls` names the
 * calls made, in order. The integration specs run the same flows on MongoDB.
 */
export class InMemoryStore implements Pick<MongoStore, 'repositories' | 'ping'> {
  readonly tasks = new Map<string, Task>();
  readonly messages: Message[] = [];
  readonly sessions = new Map<string, Session>();
  readonly agentRuns: AgentRun[] = [];
  readonly taskEvents: TaskEvent[] = [];
  /** `task_counters` documents by `_id`. */
  readonly counters = new Map<string, CounterDoc>();
  readonly idempotencyKeys = new Map<string, IdempotencyRecord>();
  /** The stream events of every task, by task id, in number order. */
  readonly streamEvents = new Map<string, StreamEvent[]>();
  /** The webhook outbox, by webhook id. */
  readonly webhookDeliveries = new Map<string, WebhookDelivery>();
  /** The tasks' webhook markers (`webhook_pending_at`, storage only), by task id. */
  readonly webhookMarkers = new Map<string, Date>();
  down = false;
  /** Names of the calls made, e.g. `tasks.create`. */
  readonly calls: string[] = [];

  private touchSession(sessionId: string, now: Date): void {
    const s = this.sessions.get(sessionId);
    if (s) Object.assign(s, { updated_at: now, task_count: s.task_count + 1 });
    else this.sessions.set(sessionId, { session_id: sessionId, created_at: now, updated_at: now, task_count: 1 });
  }

  private guard(call: string): void {
    this.calls.push(call);
    if (this.down) throw new DatabaseUnavailableError('127.0.0.1:1', 100, 'connection refused');
  }

  /** As on MongoDB: a number already taken is a duplicate key, and the writer takes the next free one. */
  private appendStreamEvent(draft: StreamEventDraft): StreamEvent {
    const list = this.streamEvents.get(draft.task_id) ?? [];
    this.streamEvents.set(draft.task_id, list);
    const event: StreamEvent = { ...clone(draft), seq: list.length + 1 };
    list.push(event);
    return clone(event);
  }

  /** The counter document `id` (created like an upsert would), with `inc` added. */
  private counterDoc(id: string, setOnInsert: { day: string; minute_start?: Date }, at: Date, inc: Record<string, number>): CounterDoc {
    const doc = this.counters.get(id) ?? { _id: id, ...setOnInsert, updated_at: at };
    if (!(doc['updated_at'] instanceof Date) || doc['updated_at'] < at) doc['updated_at'] = at;
    applyPaths(doc, inc);
    this.counters.set(id, doc);
    return doc;
  }

  /**
   * What the Mongo aggregations give for the day of `day` (the rebuild's source): tasks created that day by
   * status and agent, latencies of the tasks that completed or failed that day, usage of the runs that finished that day.
   */
  private dayFromSources(day: Date): { day: DayCounters; latencies: number[] } {
    const day_start = startOfUtcDay(day);
    const day_end = startOfNextUtcDay(day);
    const inDay = (d: Date | null) => d !== null && d >= day_start && d < day_end;
    const created = [...this.tasks.values()].filter((t) => inDay(t.created_at));
    const created_by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, created.filter((t) => t.status === s).length])) as Record<TaskStatus, number>;
    const agents = new Map<string, { agent_name: string; agent_type: string | null; count: number }>();
    for (const t of created) {
      if (t.selected_agent === null) continue;
      const key = `${t.selected_agent}\u0000${t.agent_type ?? ''}`;
      const entry = agents.get(key) ?? { agent_name: t.selected_agent, agent_type: t.agent_type, count: 0 };
      entry.count += 1;
      agents.set(key, entry);
    }
    const latencies = [...this.tasks.values()]
      .filter((t) => (t.status === 'completed' || t.status === 'failed') && inDay(t.completed_at))
      .map((t) => Math.max(0, t.completed_at!.getTime() - t.queued_at.getTime()));
    const runs = this.agentRuns.filter((r) => inDay(r.finished_at));
    const totals = (): UsageTotals => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 });
    const byAgent = new Map<string, UsageTotals>();
    const byModel = new Map<string, UsageTotals>();
    const addTo = (map: Map<string, UsageTotals>, key: string, u: UsageTotals) => {
      const t = map.get(key) ?? totals();
      t.prompt_tokens += u.prompt_tokens;
      t.completion_tokens += u.completion_tokens;
      t.total_tokens = t.prompt_tokens + t.completion_tokens;
      t.cost_usd = addCost(t.cost_usd, u.cost_usd);
      map.set(key, t);
    };
    for (const r of runs) {
      addTo(byAgent, r.agent_name, r);
      for (const u of r.usage) addTo(byModel, u.model, u);
    }
    const by_model = [...byModel.entries()].map(([model, t]) => ({ model, ...t }));
    const sum = addUsage(by_model);
    return {
      day: {
        tasks: { day_start, created_by_status, created_by_agent: [...agents.values()], latency_ms: { count: latencies.length, sum: latencies.reduce((a, b) => a + b, 0), p95: null } },
        usage: { day_start, ...sum, by_agent: [...byAgent.entries()].map(([agent_name, t]) => ({ agent_name, ...t })), by_model },
      },
      latencies,
    };
  }

  /** One status move of the domain's table: null when the task is missing or the move is not allowed from its status. */
  private move(call: string, id: string, move: TaskMove, change: Partial<Task>, now: Date): Task | null {
    this.guard(call);
    const t = this.tasks.get(id);
    if (!t || !canMove(t.status, move)) return null;
    Object.assign(t, change, { updated_at: now });
    if (ENDING_MOVES.has(move)) this.markEnding(t, now);
    return clone(t);
  }

  /** An ending of a task with a callback URL sets its webhook marker in the same write, as the Mongo repository does. */
  private markEnding(t: Task, at: Date): void {
    if (t.callback_url) this.webhookMarkers.set(t.task_id, at);
  }

  writes(): number {
    return this.calls.filter((c) => !/\.(find|list|recent|dayStats|usageDayStats|day|history)\b/.test(c)).length;
  }

  async ping(): Promise<boolean> {
    return !this.down;
  }

  readonly repositories: Repositories = {
    tasks: {
      create: async (task) => {
        this.guard('tasks.create');
        const stored = { ...task, tenant_id: tenantOf(task) };
        this.tasks.set(task.task_id, clone(stored));
        return clone(stored);
      },
      findById: async (id) => {
        this.guard('tasks.findById');
        const t = this.tasks.get(id);
        return t ? clone(t) : null;
      },
      cancelStates: async (ids) => {
        this.guard('tasks.cancelStates');
        return ids.flatMap((id) => {
          const t = this.tasks.get(id);
          return t ? [{ task_id: t.task_id, status: t.status, cancel_requested_at: t.cancel_requested_at }] : [];
        });
      },
      markProcessing: async (id, now) =>
        this.move('tasks.markProcessing', id, 'pick_up', { status: 'processing', started_at: now, attempts: (this.tasks.get(id)?.attempts ?? 0) + 1 }, now),
      recordRouting: async (id, routing, now) => this.move('tasks.recordRouting', id, 'route', { ...routing }, now),
      complete: async (id, { result, usage }, now) =>
        this.move('tasks.complete', id, 'complete', { status: 'completed', result, usage, completed_at: now }, now),
      fail: async (id, { error, usage }, now) =>
        this.move('tasks.fail', id, 'fail', { status: 'failed', error, ...(usage ? { usage } : {}), completed_at: now }, now),
      saveCheckpoint: async (id, { step, checkpoint }, now) => {
        await this.move('tasks.saveCheckpoint', id, 'checkpoint', { checkpoints: { route: null, agent: null, ...this.tasks.get(id)?.checkpoints, [step]: clone(checkpoint) } }, now);
      },
      markStepReused: async (id, step, now) => {
        const reused = this.tasks.get(id)?.reused_steps ?? [];
        return this.move('tasks.markStepReused', id, 'checkpoint', { reused_steps: reused.includes(step) ? reused : [...reused, step] }, now);
      },
      requestCancel: async (id, now) => {
        this.guard('tasks.requestCancel');
        const t = this.tasks.get(id);
        if (!t) return null;
        if (t.status === 'queued') {
          Object.assign(t, {
            status: 'cancelled',
            cancel_requested_at: now,
            completed_at: now,
            updated_at: now,
            error: { type: 'CANCELLED', message: 'The task was cancelled by a client before it finished.' },
          });
          this.markEnding(t, now);
          return { change: 'cancelled', task: clone(t) };
        }
        if (t.status === 'processing' && !t.cancel_requested_at) {
          Object.assign(t, { cancel_requested_at: now, updated_at: now });
          return { change: 'requested', task: clone(t) };
        }
        return { change: 'none', task: clone(t) };
      },
      markCancelled: async (id, { usage }, now) =>
        this.move(
          'tasks.markCancelled',
          id,
          'cancel',
          { status: 'cancelled', error: { type: 'CANCELLED', message: 'The task was cancelled.' }, ...(usage ? { usage } : {}), completed_at: now },
          now,
        ),
      listStale: async ({ status, olderThan, limit, after }) => {
        this.guard('tasks.listStale');
        return [...this.tasks.values()]
          .filter((t) => t.status === status && t.queued_at < olderThan)
          .sort((a, b) => a.queued_at.getTime() - b.queued_at.getTime() || a.task_id.localeCompare(b.task_id))
          .filter((t) => !after || t.queued_at > after.queued_at || (t.queued_at.getTime() === after.queued_at.getTime() && t.task_id > after.task_id))
          .slice(0, limit)
          .map(clone);
      },
      listWebhookPending: async (olderThan, limit) => {
        this.guard('tasks.listWebhookPending');
        return [...this.webhookMarkers.entries()]
          .filter(([, at]) => at < olderThan)
          .sort(([, a], [, b]) => a.getTime() - b.getTime())
          .slice(0, limit)
          .flatMap(([id]) => {
            const t = this.tasks.get(id);
            return t ? [clone(t)] : [];
          });
      },
      clearWebhookPending: async (id, endedAt) => {
        this.guard('tasks.clearWebhookPending');
        if (this.webhookMarkers.get(id)?.getTime() !== endedAt.getTime()) return false;
        this.webhookMarkers.delete(id);
        return true;
      },
      requeueFailed: async (id, { retryableTypes }, now) => {
        this.guard('tasks.requeueFailed');
        const t = this.tasks.get(id);
        if (!t || t.status !== 'failed' || !t.error || !retryableTypes.includes(t.error.type)) return null;
        t.retries = [...t.retries, { error: t.error, failed_at: t.completed_at, retried_at: now, attempts: t.attempts }];
        this.webhookMarkers.delete(id);
        Object.assign(t, {
          status: 'queued',
          error: null,
          result: null,
          started_at: null,
          completed_at: null,
          queued_at: now,
          updated_at: now,
          checkpoints: { route: null, agent: null },
          reused_steps: [],
        });
        return clone(t);
      },
      recentBySession: async (sessionId, { limit, excludeTaskId, createdAtOrBefore, tenantId = DEFAULT_TENANT }) => {
        this.guard('tasks.recentBySession');
        return [...this.tasks.values()]
          .filter((t) => tenantOf(t) === tenantId && t.session_id === sessionId && t.task_id !== excludeTaskId && (!createdAtOrBefore || t.created_at <= createdAtOrBefore))
          .sort(newestFirst)
          .slice(0, limit)
          .map(clone);
      },
      countInFlight: async (tenantId, cap) => {
        this.guard('tasks.countInFlight');
        return Math.min(cap, [...this.tasks.values()].filter((t) => tenantOf(t) === tenantId && (t.status === 'queued' || t.status === 'processing')).length);
      },
      list: async (query) => {
        this.guard('tasks.list');
        const matches = [...this.tasks.values()]
          .filter(
            (t) =>
              tenantOf(t) === query.tenant_id &&
              (query.status === undefined || t.status === query.status) &&
              (query.agent_type === undefined || t.agent_type === query.agent_type) &&
              (query.session_id === undefined || t.session_id === query.session_id) &&
              (query.created_from === undefined || t.created_at >= query.created_from) &&
              (query.created_to === undefined || t.created_at < query.created_to) &&
              (query.after === undefined || newestFirst(t, query.after) > 0),
          )
          .sort(newestFirst);
        return { items: matches.slice(0, query.limit).map(taskSummary), has_more: matches.length > query.limit };
      },
      dayStats: async (now) => {
        this.guard('tasks.dayStats');
        const day_start = startOfUtcDay(now);
        const day_end = startOfNextUtcDay(now);
        const today = [...this.tasks.values()].filter((t) => t.created_at >= day_start && t.created_at < day_end);
        const created_by_status = Object.fromEntries(TASK_STATUSES.map((s) => [s, today.filter((t) => t.status === s).length])) as Record<TaskStatus, number>;
        const agents = new Map<string, { agent_name: string; agent_type: string | null; count: number }>();
        for (const t of today) {
          if (t.selected_agent === null) continue;
          const entry = agents.get(t.selected_agent) ?? { agent_name: t.selected_agent, agent_type: t.agent_type, count: 0 };
          entry.count += 1;
          agents.set(t.selected_agent, entry);
        }
        const latencies = [...this.tasks.values()]
          .filter((t) => isTerminalStatus(t.status) && t.completed_at !== null && t.completed_at >= day_start && t.completed_at < day_end)
          .map((t) => t.completed_at!.getTime() - t.queued_at.getTime())
          .sort((a, b) => a - b);
        return {
          day_start,
          created_by_status,
          created_by_agent: [...agents.values()].sort((a, b) => b.count - a.count),
          latency_ms: {
            count: latencies.length,
            sum: latencies.reduce((a, b) => a + b, 0),
            p95: latencies.length ? latencies[nearestRank(latencies.length, 0.95) - 1]! : null,
          },
        };
      },
    },
    agentRuns: {
      record: async (run) => {
        this.guard('agentRuns.record');
        this.agentRuns.push(clone(run));
      },
      listByTask: async (taskId) => this.agentRuns.filter((r) => r.task_id === taskId),
      usageDayStats: async (now) => {
        this.guard('agentRuns.usageDayStats');
        // Day usage is exercised on MongoDB (persistence and api integration specs); unit specs see an empty day.
        return { day_start: startOfUtcDay(now), prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_agent: [], by_model: [] };
      },
    },
    taskStream: {
      append: async (draft) => {
        this.guard('taskStream.append');
        return this.appendStreamEvent(draft);
      },
      appendMany: async (appends) => {
        const tasks = new Set(appends.map((a) => a.draft.task_id));
        if (tasks.size < appends.length) throw new ValidationError('appendMany takes at most one event per task', [{ field: 'task_id', message: 'a task appears twice' }]);
        try {
          this.guard('taskStream.appendMany');
        } catch (error) {
          // As on MongoDB: a store that does not answer fails every event of the batch, never the call.
          return appends.map(() => ({ error }));
        }
        return appends.map(({ draft }) => ({ event: this.appendStreamEvent(draft) }));
      },
      listAfter: async (taskId, afterSeq, options) => {
        this.guard('taskStream.listAfter');
        return (this.streamEvents.get(taskId) ?? []).filter((e) => e.seq > afterSeq).slice(0, options?.limit ?? 500).map(clone);
      },
      lastSeq: async (taskId) => {
        this.guard('taskStream.findLastSeq');
        return this.streamEvents.get(taskId)?.length ?? 0;
      },
      has: async (taskId, seq) => {
        this.guard('taskStream.has');
        return (this.streamEvents.get(taskId) ?? []).some((e) => e.seq === seq);
      },
      deleteOlderThan: async (cutoff) => {
        let deleted = 0;
        for (const [id, list] of this.streamEvents) {
          const kept = list.filter((e) => e.timestamp >= cutoff);
          deleted += list.length - kept.length;
          this.streamEvents.set(id, kept);
        }
        return deleted;
      },
    },
    webhookDeliveries: {
      create: async (delivery) => {
        this.guard('webhookDeliveries.create');
        if (this.webhookDeliveries.has(delivery.webhook_id)) return false;
        this.webhookDeliveries.set(delivery.webhook_id, clone(delivery));
        return true;
      },
      findById: async (id) => {
        this.guard('webhookDeliveries.findById');
        const d = this.webhookDeliveries.get(id);
        return d ? clone(d) : null;
      },
      listByTask: async (taskId) => {
        this.guard('webhookDeliveries.listByTask');
        return [...this.webhookDeliveries.values()]
          .filter((d) => d.task_id === taskId)
          .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
          .slice(0, 100)
          .map(clone);
      },
      recordAttempt: async (id, attemptsBefore, attempt, move, now) => {
        this.guard('webhookDeliveries.recordAttempt');
        const d = this.webhookDeliveries.get(id);
        if (!d || d.state !== 'pending' || d.attempts.length !== attemptsBefore) return null;
        Object.assign(d, { attempts: [...d.attempts, clone(attempt)], state: move.state, next_attempt_at: move.state === 'pending' ? move.next_attempt_at : null, updated_at: now });
        return clone(d);
      },
      listDue: async (dueBy, limit) => {
        this.guard('webhookDeliveries.listDue');
        return [...this.webhookDeliveries.values()]
          .filter((d) => d.state === 'pending' && d.next_attempt_at !== null && d.next_attempt_at <= dueBy)
          .sort((a, b) => a.next_attempt_at!.getTime() - b.next_attempt_at!.getTime())
          .slice(0, limit)
          .map(clone);
      },
    },
    taskEvents: {
      appendMany: async (events) => {
        this.guard('taskEvents.appendMany');
        this.taskEvents.push(...events.map(clone));
      },
      listByTask: async (taskId) => {
        this.guard('taskEvents.listByTask');
        return this.taskEvents.filter((e) => e.task_id === taskId).sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
      },
      deleteOlderThan: async (cutoff) => {
        const before = this.taskEvents.length;
        this.taskEvents.splice(0, this.taskEvents.length, ...this.taskEvents.filter((e) => e.timestamp >= cutoff));
        return before - this.taskEvents.length;
      },
    },
    taskCounters: {
      increment: async (increments) => {
        this.guard('taskCounters.increment');
        for (const [id, update] of documentUpdates(increments)) this.counterDoc(id, update.setOnInsert, update.at, update.inc);
      },
      day: async (now) => {
        this.guard('taskCounters.day');
        return figuresOf(counterPaths(this.counters.get(dayId(now.toISOString().slice(0, 10)))), now);
      },
      tenantDay: async (tenant, now) => {
        this.guard('taskCounters.tenantDay');
        return figuresOf(counterPaths(this.counters.get(tenantDayId(tenant, now.toISOString().slice(0, 10)))), now);
      },
      history: async ({ from, to, limit }) => {
        this.guard('taskCounters.history');
        const first = minuteId(startOfUtcDay(from));
        const last = minuteId(to);
        const docs = [...this.counters.entries()]
          .filter(([id]) => id >= first && id <= last)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([, doc]) => doc);
        return historyPoints(docs, { from, to, limit: Math.min(limit, MAX_HISTORY_MINUTES) });
      },
      recordQueue: async (at, queue) => {
        this.guard('taskCounters.recordQueue');
        const doc = this.counterDoc(minuteId(at), { day: at.toISOString().slice(0, 10), minute_start: minuteStart(at) }, at, {});
        doc['queue'] = { ...queue };
      },
      rebuildDay: async (day) => {
        this.guard('taskCounters.rebuildDay');
        const figures = this.dayFromSources(day);
        const flat = rebuiltPaths(figures.day, figures.latencies);
        const key = day.toISOString().slice(0, 10);
        this.counters.set(dayId(key), applyPaths({ _id: dayId(key), day: key, updated_at: new Date() }, flat));
        return figuresOf(flat, day);
      },
      deleteMinutesBefore: async (cutoff) => {
        this.guard('taskCounters.deleteMinutesBefore');
        let n = 0;
        for (const [id, doc] of this.counters) if (doc['minute_start'] instanceof Date && doc['minute_start'] < cutoff && this.counters.delete(id)) n++;
        return n;
      },
    },
    messages: {
      append: async (message) => {
        this.guard('messages.append');
        this.messages.push(clone(message));
      },
      put: async (message) => {
        this.guard('messages.put');
        const existing = this.messages.find((m) => m.message_id === message.message_id);
        if (existing) Object.assign(existing, { content: message.content, agent_name: message.agent_name });
        else this.messages.push(clone(message));
      },
      recentBySession: async (sessionId, { limit, before }) =>
        this.messages.filter((m) => m.session_id === sessionId && (!before || m.created_at < before)).slice(-limit),
      listByTask: async (taskId) => this.messages.filter((m) => m.task_id === taskId),
    },
    idempotencyKeys: {
      reserve: async (record, now) => {
        this.guard('idempotencyKeys.reserve');
        const held = this.idempotencyKeys.get(record.key_hash);
        if (held && held.expires_at > now) return { reserved: false, existing: clone(held) };
        this.idempotencyKeys.set(record.key_hash, clone(record));
        return { reserved: true };
      },
      find: async (keyHash, now) => {
        this.guard('idempotencyKeys.find');
        const held = this.idempotencyKeys.get(keyHash);
        return held && held.expires_at > now ? clone(held) : null;
      },
      release: async (keyHash, taskId) => {
        this.guard('idempotencyKeys.release');
        if (this.idempotencyKeys.get(keyHash)?.task_id !== taskId) return false;
        return this.idempotencyKeys.delete(keyHash);
      },
      purgeExpired: async (now) => {
        this.guard('idempotencyKeys.purgeExpired');
        let n = 0;
        for (const [k, r] of this.idempotencyKeys) if (r.expires_at <= now && this.idempotencyKeys.delete(k)) n++;
        return n;
      },
    },
    sessions: {
      touch: async (sessionId, now) => {
        this.guard('sessions.touch');
        this.touchSession(sessionId, now);
      },
      // An id that exists already is touched, as on MongoDB.
      start: async (sessionId, now) => {
        this.guard('sessions.start');
        this.touchSession(sessionId, now);
      },
    },
  };
}

/** The order TaskRepository.list promises: created_at desc, then task_id desc. Negative when `a` comes first. */
function newestFirst(a: TaskListPosition, b: TaskListPosition): number {
  return b.created_at.getTime() - a.created_at.getTime() || (a.task_id < b.task_id ? 1 : a.task_id > b.task_id ? -1 : 0);
}
