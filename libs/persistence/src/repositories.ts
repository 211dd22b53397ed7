import type { WebhookAttempt, WebhookDelivery, WebhookDeliveryState } from '@agent-orchestrator/domain';
import type { AgentCheckpoint, AgentRun, Message, RouteCheckpoint, StreamEvent, StreamEventDraft, Task, TaskError, TaskEvent, TaskResult, TaskStatus, TaskStep, TaskUsage, UsageTotals } from '@agent-orchestrator/domain';

import type { TaskCounterRepository } from './task-counters';

/** Largest page `TaskRepository.list` returns (the domain's, shared with the API's `limit`). */
export { MAX_TASK_PAGE_SIZE } from '@agent-orchestrator/domain';

/**
 * The persistence contract the apps code against. Implementations live in this
 * lib (mongoose); no mongoose type crosses this boundary. Every status-moving
 * update is conditional on the current status and returns `null` when the task
 * was not in an allowed state (someone else moved it first).
 */
/** What a running task's worker checks for a client's cancel. */
export type TaskCancelState = Pick<Task, 'task_id' | 'status' | 'cancel_requested_at'>;

export interface TaskRepository {
  /** Inserts a new task. Throws DuplicateKeyError if `task_id` exists. */
  create(task: Task): Promise<Task>;
  findById(taskId: string): Promise<Task | null>;
  /**
   * The status and cancel request of each task of `taskIds` that exists, in one read by primary key
   * (the worker's fallback check of its running tasks for a cancel, `CANCEL_POLL_INTERVAL_MS`).
   */
  cancelStates(taskIds: readonly string[]): Promise<TaskCancelState[]>;
  /** queued|processing → processing; sets started_at, bumps attempts. */
  markProcessing(taskId: string, now: Date): Promise<Task | null>;
  /** Stores the router's decision while the task is processing. */
  recordRouting(taskId: string, routing: TaskRouting, now: Date): Promise<Task | null>;
  /**
   * Durable steps: keeps what a finished step produced on the processing task
   * (`checkpoints.route` or `checkpoints.agent`, replacing an earlier one), so a later
   * attempt resumes after it. A task that is not processing (finished elsewhere, cancelled)
   * keeps nothing, silently: the worker's next move on it finds that out. Resolves once the
   * write is acknowledged; the checkpoints of many tasks written in one event-loop turn may
   * share one round trip, so no answer per task is given and nothing is read back.
   */
  saveCheckpoint(taskId: string, checkpoint: StepCheckpoint, now: Date): Promise<void>;
  /** Adds `step` to `reused_steps` (once) of the processing task: an attempt took it from its checkpoint. Null when not processing. */
  markStepReused(taskId: string, step: TaskStep, now: Date): Promise<Task | null>;
  /**
   * processing → completed with the result and usage. `known`: the task as the caller read it (the worker's,
   * from its pickup), whose `queued_at` and `callback_url` give the latency and the webhook marker the ending
   * stores without reading them first; the move then applies only while `queued_at` is still that one (a
   * retry moves it), and otherwise falls back to reading them.
   */
  complete(taskId: string, outcome: { result: TaskResult; usage: TaskUsage }, now: Date, known?: Pick<Task, 'queued_at' | 'callback_url'>): Promise<Task | null>;
  /** any non-terminal status → failed with the error (and usage so far). */
  fail(taskId: string, outcome: { error: TaskError; usage?: TaskUsage }, now: Date): Promise<Task | null>;
  /**
   * A client's cancel: queued → cancelled at once; processing → stays processing with
   * `cancel_requested_at` set (once: a second request keeps the first time), for the
   * worker to act on. Any other status is left alone. `null` when the task does not exist.
   */
  requestCancel(taskId: string, now: Date): Promise<CancelRequest | null>;
  /** queued|processing → cancelled (the worker, or the reconciler, acting on a cancel request), keeping the usage so far. */
  markCancelled(taskId: string, outcome: { usage?: TaskUsage }, now: Date): Promise<Task | null>;
  /**
   * failed → queued for a client's retry, only while the task is failed with an
   * error whose type is in `retryableTypes`. The error it had is pushed onto
   * `retries` (with when it failed and the attempts so far); error, result,
   * started_at and completed_at are cleared, and so are the checkpoints and
   * `reused_steps` (a client's retry starts over); queued_at is now, attempts is kept.
   * Returns null when the task is missing, not failed, or failed for another cause.
   */
  requeueFailed(taskId: string, options: { retryableTypes: readonly string[] }, now: Date): Promise<Task | null>;
  /**
   * The session's most recent tasks, newest first (ties by task id, as `list`), excluding `excludeTaskId`; with
   * `createdAtOrBefore`, only tasks created at or before it (applied in the query,
   * before the limit, so an old task sees its own predecessors).
   */
  recentBySession(sessionId: string, options: { limit: number; excludeTaskId?: string; createdAtOrBefore?: Date; tenantId?: string }): Promise<Task[]>;
  /**
   * How many of the tenant's tasks are queued or processing, counting at most `cap` (a limit check
   * needs no more): one count over the `{tenant_id, status}` index prefix, O(min(in flight, cap)).
   */
  countInFlight(tenantId: string, cap: number): Promise<number>;
  /**
   * Tasks in `status` queued before `olderThan`, oldest first (`queued_at`, then
   * `task_id`), starting strictly after `after`: one range of the
   * `{status, queued_at, task_id}` index, for the worker's reconciler.
   */
  listStale(query: StaleTaskQuery): Promise<Task[]>;
  /**
   * The webhook marker. Every ending (complete, fail, markCancelled, and requestCancel's queued →
   * cancelled) of a task with a `callback_url` sets `webhook_pending_at` = the ending's time
   * (its `completed_at`) in the same single-document update, so an ending is never stored without
   * the promise of its webhook delivery. `WebhookOutbox.ended()` clears it once the delivery is
   * recorded; `requeueFailed` clears it too (the retry use case records the delivery first).
   * This lists the tasks whose marker is set and older than `olderThan`, oldest first, at most
   * `limit`: one range of the sparse `{webhook_pending_at}` index, for the worker's webhook sweep.
   */
  listWebhookPending(olderThan: Date, limit: number): Promise<Task[]>;
  /** Clears the marker, only if it still holds `endedAt` (the ending it was set by). True when it did. */
  clearWebhookPending(taskId: string, endedAt: Date): Promise<boolean>;
  /**
   * One page of the tenant's task summaries (`tenant_id`: only that tenant's tasks), newest first (`created_at` desc, then `task_id`
   * desc), starting strictly after `after` (keyset pagination: tasks created
   * later never shift a page). Every filter is an index prefix.
   */
  list(query: TaskListQuery): Promise<TaskListPage>;
  /**
   * Statistics of the UTC day containing `now`, read through indexes bounded to
   * that day, so the cost follows the day's volume, never the collection's.
   */
  dayStats(now: Date, options?: { maxTimeMs?: number }): Promise<TaskDayStats>;
}

/** What `requestCancel` did: `cancelled` (was queued), `requested` (was processing), `none` (any other status, or already requested). */
export interface CancelRequest {
  change: 'cancelled' | 'requested' | 'none';
  /** The task after the call. */
  task: Task;
}

export interface StaleTaskQuery {
  status: TaskStatus;
  /** Exclusive upper bound on `queued_at`. */
  olderThan: Date;
  /** 1 to MAX_TASK_PAGE_SIZE. */
  limit: number;
  /** Where the previous batch ended. */
  after?: { queued_at: Date; task_id: string };
}

/** Where a page starts: the last item of the previous page. */
export interface TaskListPosition {
  created_at: Date;
  task_id: string;
}

export interface TaskListQuery {
  /** The caller's tenant: a page never holds another tenant's task. */
  tenant_id: string;
  status?: TaskStatus;
  agent_type?: string;
  session_id?: string;
  /** Inclusive lower bound on `created_at`. */
  created_from?: Date;
  /** Exclusive upper bound on `created_at`. */
  created_to?: Date;
  /** Page size, 1 to MAX_TASK_PAGE_SIZE. */
  limit: number;
  after?: TaskListPosition;
}

/** The fields a summary shares with the task (`task` is the full text; callers shorten it for display). */
export const TASK_SUMMARY_FIELDS = [
  'task_id',
  'session_id',
  'task',
  'status',
  'created_at',
  'queued_at',
  'started_at',
  'completed_at',
  'updated_at',
  'selected_agent',
  'agent_type',
  'agent_version',
  'confidence',
  'error',
] as const satisfies readonly (keyof Task)[];

/** A task without its heavy parts (full result, citations, per-model usage, metadata). */
export interface TaskSummary extends Pick<Task, (typeof TASK_SUMMARY_FIELDS)[number]> {
  result_summary: string | null;
  usage: Pick<TaskUsage, 'total_tokens' | 'cost_usd'>;
}

/** The summary of a task: the one definition the Mongo mapper and the in-memory store both use. */
export function taskSummary(task: Task): TaskSummary {
  const shared = Object.fromEntries(TASK_SUMMARY_FIELDS.map((field) => [field, task[field]])) as Pick<Task, (typeof TASK_SUMMARY_FIELDS)[number]>;
  return {
    ...shared,
    error: task.error && { type: task.error.type, message: task.error.message },
    result_summary: task.result?.summary ?? null,
    usage: { total_tokens: task.usage.total_tokens, cost_usd: task.usage.cost_usd },
  };
}

export interface TaskListPage {
  items: TaskSummary[];
  /** Whether at least one more task matches after the last item. */
  has_more: boolean;
}

export interface TaskDayStats {
  /** Midnight UTC that starts the day. */
  day_start: Date;
  /** Tasks created that day, by their current status. */
  created_by_status: Record<TaskStatus, number>;
  /** Tasks created that day that were routed to an agent, by agent; most used first. */
  created_by_agent: { agent_name: string; agent_type: string | null; count: number }[];
  /** Queued → finished (completed or failed) latency of the tasks that finished that day. */
  latency_ms: { count: number; sum: number; p95: number | null };
}

/** One step's checkpoint, as `saveCheckpoint` stores it. */
export type StepCheckpoint = { step: 'route'; checkpoint: RouteCheckpoint } | { step: 'agent'; checkpoint: AgentCheckpoint };

export interface TaskRouting {
  selected_agent: string | null;
  agent_type: string | null;
  agent_version: string | null;
  peer_routing_reason: string;
  confidence: number;
}

export interface AgentRunRepository {
  record(run: AgentRun): Promise<void>;
  /** Runs of a task in the order they started. */
  listByTask(taskId: string): Promise<AgentRun[]>;
  /**
   * Tokens and estimated cost of the runs that finished in the UTC day
   * containing `now`, by agent and by model, read through an index bounded to
   * that day (`finished_at`).
   */
  usageDayStats(now: Date, options?: { maxTimeMs?: number }): Promise<UsageDayStats>;
}

/** Token and cost totals of one group of LLM calls. */
/** The domain's usage totals (tokens and estimated cost). */
export type { UsageTotals } from '@agent-orchestrator/domain';

export interface UsageDayStats extends UsageTotals {
  /** Midnight UTC that starts the day. */
  day_start: Date;
  /** By the agent (or router, `PeerAgent`) that made the calls; most tokens first. */
  by_agent: (UsageTotals & { agent_name: string })[];
  /** By model; most tokens first. */
  by_model: (UsageTotals & { model: string })[];
}

/** Largest page `TaskEventRepository.listByTask` returns. */
export const MAX_TASK_EVENTS = 500;

/** Task lifecycle events in the `logs` collection (written when LOG_TO_MONGO=true). */
export interface TaskEventRepository {
  /** Inserts the events in the given order (one batch). */
  appendMany(events: readonly TaskEvent[]): Promise<void>;
  /** The task's events, oldest first (timestamp, then insertion order), at most `limit` (default and cap MAX_TASK_EVENTS). */
  listByTask(taskId: string, options?: { limit?: number }): Promise<TaskEvent[]>;
  /** Deletes every event older than `cutoff`; returns how many. The fallback for servers without TTL (FerretDB). */
  deleteOlderThan(cutoff: Date): Promise<number>;
}

/** One point of GET /v1/system/metrics/history: the figures of a minute's UTC day at the end of that minute (from `task_counters`). */
export interface SystemMetricsSnapshot {
  /** Start of the minute. */
  interval_start: Date;
  /** Time of the latest change counted in that minute (or of its queue sample). */
  taken_at: Date;
  /** The queue's counts sampled in that minute by a worker; null when none was. */
  queue: { waiting: number; active: number; delayed: number; failed: number; completed: number; paused: number } | null;
  /** Tasks created that UTC day, by their status at the end of the minute. */
  tasks_by_status: Record<TaskStatus, number> | null;
  tasks_by_agent: { agent_name: string; agent_type: string | null; count: number }[] | null;
  latency: { count: number; avg_ms: number | null; p95_ms: number | null } | null;
  usage: UsageFigures | null;
}

/** `usage_today` of GET /v1/system/metrics and snapshots. */
export interface UsageFigures extends UsageTotals {
  by_agent: (UsageTotals & { agent_name: string })[];
  by_model: (UsageTotals & { model: string })[];
}

export interface MessageRepository {
  append(message: Message): Promise<void>;
  /**
   * Writes the message, or replaces the content and agent of the one with the
   * same `message_id` (keeping its `created_at`): one reply per task however
   * many times the task is run.
   */
  put(message: Message): Promise<void>;
  /** The session's last `limit` messages, oldest first. `sessionId` is the session's storage key (domain `sessionKey`). */
  recentBySession(sessionId: string, options: { limit: number; before?: Date }): Promise<Message[]>;
  listByTask(taskId: string): Promise<Message[]>;
}

export interface SessionRepository {
  /**
   * Creates the session if new, bumps `task_count` and `updated_at`. With `turn` (an accepted
   * task and its user message), also keeps it in the session's bounded recent slice, from which
   * `tasks.recentBySession` and `messages.recentBySession` answer by primary-key lookups.
   */
  touch(sessionId: string, now: Date, turn?: SessionTurnInput): Promise<void>;
  /**
   * Creates the session `sessionId` with its first turn: what `touch` does for a session that does not
   * exist, for an id the caller has just made up (the api's UUID when the client names no session).
   * An insert, so it shares the accept path's group commit instead of a round trip of its own; should
   * the id exist after all, it is touched instead.
   */
  start(sessionId: string, now: Date, turn: SessionTurnInput): Promise<void>;
  // `sessionId` here is the storage key (domain `sessionKey(tenant, session_id)`), never a bare client id.
}

/** A task accepted in a session, as its recent slice keeps it. */
export interface SessionTurnInput {
  task_id: string;
  /** The id of the task's user message. */
  message_id: string;
  created_at: Date;
}

/** An `Idempotency-Key` of `POST /v1/agent/execute` and the task it created. Only hashes, never the key. */
export interface IdempotencyRecord {
  /** sha256 of the key's scope and the key. */
  key_hash: string;
  /** sha256 of the canonical JSON of the validated body. */
  body_hash: string;
  task_id: string;
  created_at: Date;
  expires_at: Date;
}

export type IdempotencyReservation = { reserved: true } | { reserved: false; existing: IdempotencyRecord };

export interface IdempotencyKeyRepository {
  /**
   * Inserts the record unless a live (not expired at `now`) record holds the
   * key; then returns that holder. Concurrent calls for one key: exactly one
   * reserves it. An expired holder is replaced.
   */
  reserve(record: IdempotencyRecord, now: Date): Promise<IdempotencyReservation>;
  /** The live record of the key, or null (expired records count as absent even before they are removed). */
  find(keyHash: string, now: Date): Promise<IdempotencyRecord | null>;
  /** Removes the key's record if it still points at `taskId` (a failed creation frees its key). */
  release(keyHash: string, taskId: string): Promise<boolean>;
  /** Deletes records expired at `now` (FerretDB has no TTL monitor); returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

/** Largest page `TaskStreamRepository.listAfter` returns. */
export const MAX_STREAM_PAGE = 500;

/** One event for `TaskStreamRepository.appendMany`, with the writer's guess of its task's last number (`undefined`: read it). */
export interface StreamAppend {
  draft: StreamEventDraft;
  lastSeq?: number;
}

/** What became of one event of `appendMany`: stored with its number, or the error that kept it out. */
export type StreamAppendOutcome = { event: StreamEvent; error?: undefined } | { event?: undefined; error: unknown };

/**
 * The numbered events of each task's live progress stream (collection `task_stream_events`), kept
 * whatever LOG_TO_MONGO says. The store is the truth of the sequence: an event exists with number
 * n only if its insert succeeded, and each insert takes the task's last number + 1, so the numbers
 * of a task are 1, 2, 3, ... with no gap, whichever processes write them.
 */
export interface TaskStreamRepository {
  /**
   * Stores `draft` as the task's next event and returns it numbered. `lastSeq` is the caller's
   * guess of the task's last number (what it wrote last; `undefined`: read it): when another
   * writer took that number first (a duplicate key), the last number is read again and the
   * insert retried.
   */
  append(draft: StreamEventDraft, lastSeq?: number): Promise<StreamEvent>;
  /**
   * Stores the events of several tasks at once, as `append` would each: one insert of them all
   * (unordered), then, for an event whose number another writer took meanwhile, `append`'s path (read
   * the last number again, insert the next). At most one event per task (a ValidationError
   * otherwise, before anything is written): a task's next event waits for this one's outcome. Never
   * rejects for an event's own failure: each outcome, in the order given, is the stored event or
   * the error `append` would have thrown.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]>;
  /** The task's events with `seq > afterSeq`, in order, at most `limit` (default and cap MAX_STREAM_PAGE). */
  listAfter(taskId: string, afterSeq: number, options?: { limit?: number }): Promise<StreamEvent[]>;
  /** The task's last number, 0 when it has no event. */
  lastSeq(taskId: string): Promise<number>;
  /** Whether the task's event number `seq` is stored: one lookup by primary key (never a scan, even on FerretDB). */
  has(taskId: string, seq: number): Promise<boolean>;
  /** Deletes every event older than `cutoff`; returns how many. The fallback for servers without TTL (FerretDB). */
  deleteOlderThan(cutoff: Date): Promise<number>;
}

/** Most deliveries `WebhookDeliveryRepository.listByTask` returns (one per ending of the task). */
export const MAX_WEBHOOK_DELIVERIES = 100;

/** Where a delivery goes after an attempt: `pending` again (with when), or over. */
export type WebhookDeliveryMove = { state: Extract<WebhookDeliveryState, 'pending'>; next_attempt_at: Date } | { state: Exclude<WebhookDeliveryState, 'pending'>; next_attempt_at?: null };

/**
 * The webhook outbox (collection `webhook_deliveries`, `_id` = the `webhook-id`): one delivery per
 * task ending announced to a callback URL, with every attempt made.
 */
export interface WebhookDeliveryRepository {
  /** Stores a new delivery; false (nothing written) when one with that id exists already. */
  create(delivery: WebhookDelivery): Promise<boolean>;
  findById(webhookId: string): Promise<WebhookDelivery | null>;
  /** A task's deliveries, oldest first, at most MAX_WEBHOOK_DELIVERIES. */
  listByTask(taskId: string): Promise<WebhookDelivery[]>;
  /**
   * Appends `attempt` and moves the delivery as `move` says, only while it is pending with exactly
   * `attemptsBefore` attempts (what the caller read). Null when it was not: another runner recorded
   * this attempt first, or the delivery is over.
   */
  recordAttempt(webhookId: string, attemptsBefore: number, attempt: WebhookAttempt, move: WebhookDeliveryMove, now: Date): Promise<WebhookDelivery | null>;
  /** Pending deliveries whose next attempt is due at or before `dueBy`, soonest first (the `{state, next_attempt_at}` index). */
  listDue(dueBy: Date, limit: number): Promise<WebhookDelivery[]>;
}

export interface Repositories {
  tasks: TaskRepository;
  agentRuns: AgentRunRepository;
  messages: MessageRepository;
  sessions: SessionRepository;
  taskEvents: TaskEventRepository;
  idempotencyKeys: IdempotencyKeyRepository;
  taskStream: TaskStreamRepository;
  /** Running counters per day and minute (GET /v1/system/metrics and its history). */
  taskCounters: TaskCounterRepository;
  /** The webhook outbox: deliveries of task endings to callback URLs. */
  webhookDeliveries: WebhookDeliveryRepository;
}

export type { TaskStatus };
