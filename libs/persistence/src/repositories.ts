import type { AgentRun, Message, Task, TaskError, TaskResult, TaskStatus, TaskUsage } from '@agent-orchestrator/domain';

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
  /** The session's most recent tasks, newest first, excluding `excludeTaskId`. */
  recentBySession(sessionId: string, options: { limit: number; excludeTaskId?: string }): Promise<Task[]>;
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

export interface Repositories {
  tasks: TaskRepository;
  agentRuns: AgentRunRepository;
  messages: MessageRepository;
  sessions: SessionRepository;
}

export type { TaskStatus };
