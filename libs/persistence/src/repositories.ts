import type { AgentRun, Message, Task, TaskError, TaskResult, TaskStatus, TaskUsage } from '@agent-orchestrator/domain';

/** Largest page `TaskRepository.list` returns. */
export const MAX_TASK_PAGE_SIZE = 100;

/**
 * The persistence contract the apps code against. Implementations live in this
 * lib (mongoose); no mongoose type crosses this boundary. Every status-moving
 * update is conditional on the current status and returns `null` when the task
 * was not in an allowed state (someone else moved it first).
 */
export interface TaskRepository {
  /** Inserts a new task. Throws DuplicateKeyError if `task_id` exists. */
  create(task: Task): Promise<Task>;
  findById(taskId: string): Promise<Task | null>;
  /** queued|processing → processing; sets started_at, bumps attempts. */
  markProcessing(taskId: string, now: Date): Promise<Task | null>;
  /** Stores the router's decision while the task is processing. */
  recordRouting(taskId: string, routing: TaskRouting, now: Date): Promise<Task | null>;
  /** processing → completed with the result and usage. */
  complete(taskId: string, outcome: { result: TaskResult; usage: TaskUsage }, now: Date): Promise<Task | null>;
  /** any non-terminal status → failed with the error (and usage so far). */
  fail(taskId: string, outcome: { error: TaskError; usage?: TaskUsage }, now: Date): Promise<Task | null>;
  /**
   * failed → queued for a client's retry, only while the task is failed with an
   * error whose type is in `retryableTypes`. The error it had is pushed onto
   * `retries` (with when it failed and the attempts so far); error, result,
   * started_at and completed_at are cleared, queued_at is now, attempts is kept.
   * Returns null when the task is missing, not failed, or failed for another cause.
   */
  requeueFailed(taskId: string, options: { retryableTypes: readonly string[] }, now: Date): Promise<Task | null>;
  /** The session's most recent tasks, newest first, excluding `excludeTaskId`. */
  recentBySession(sessionId: string, options: { limit: number; excludeTaskId?: string }): Promise<Task[]>;
  /**
   * One page of task summaries, newest first (`created_at` desc, then `task_id`
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

/** Where a page starts: the last item of the previous page. */
export interface TaskListPosition {
  created_at: Date;
  task_id: string;
}

export interface TaskListQuery {
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

/** A task without its heavy parts (full result, citations, per-model usage, metadata). */
export interface TaskSummary {
  task_id: string;
  session_id: string;
  /** The full task text; callers shorten it for display. */
  task: string;
  status: TaskStatus;
  created_at: Date;
  queued_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
  selected_agent: string | null;
  agent_type: string | null;
  agent_version: string | null;
  confidence: number | null;
  error: TaskError | null;
  result_summary: string | null;
  usage: { total_tokens: number; cost_usd: number };
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
}

export interface MessageRepository {
  append(message: Message): Promise<void>;
  /** The session's last `limit` messages, oldest first. */
  recentBySession(sessionId: string, options: { limit: number; before?: Date }): Promise<Message[]>;
  listByTask(taskId: string): Promise<Message[]>;
}

export interface SessionRepository {
  /** Creates the session if new, bumps `task_count` and `updated_at`. */
  touch(sessionId: string, now: Date): Promise<void>;
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

export interface Repositories {
  tasks: TaskRepository;
  agentRuns: AgentRunRepository;
  messages: MessageRepository;
  sessions: SessionRepository;
  idempotencyKeys: IdempotencyKeyRepository;
}

export type { TaskStatus };
