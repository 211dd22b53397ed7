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
   * A client's cancel: queued → cancelled at once; processing → stays processing with
   * `cancel_requested_at` set (once: a second request keeps the first time), for the
   * worker to act on. Any other status is left alone. `null` when the task does not exist.
   */
  requestCancel(taskId: string, now: Date): Promise<CancelRequest | null>;
  /** queued|processing → cancelled (the worker, or the reconciler, acting on a cancel request), keeping the usage so far. */
  markCancelled(taskId: string, outcome: { usage?: TaskUsage }, now: Date): Promise<Task | null>;
  /** The session's most recent tasks, newest first, excluding `excludeTaskId`. */
  recentBySession(sessionId: string, options: { limit: number; excludeTaskId?: string }): Promise<Task[]>;
  /**
   * Tasks in `status` queued before `olderThan`, oldest first (`queued_at`, then
   * `task_id`), starting strictly after `after`: one range of the
   * `{status, queued_at, task_id}` index, for the worker's reconciler.
   */
  listStale(query: StaleTaskQuery): Promise<Task[]>;
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
  /**
   * Writes the message, or replaces the content and agent of the one with the
   * same `message_id` (keeping its `created_at`): one reply per task however
   * many times the task is run.
   */
  put(message: Message): Promise<void>;
  /** The session's last `limit` messages, oldest first. */
  recentBySession(sessionId: string, options: { limit: number; before?: Date }): Promise<Message[]>;
  listByTask(taskId: string): Promise<Message[]>;
}

export interface SessionRepository {
  /** Creates the session if new, bumps `task_count` and `updated_at`. */
  touch(sessionId: string, now: Date): Promise<void>;
}

export interface Repositories {
  tasks: TaskRepository;
  agentRuns: AgentRunRepository;
  messages: MessageRepository;
  sessions: SessionRepository;
}

export type { TaskStatus };
