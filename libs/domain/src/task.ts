import { DEFAULT_TENANT } from './tenant';
import type { AgentOutput, Citation } from './agent-output';
import type { ModelUsage, TaskUsage } from './usage';

/**
 * Lifecycle states a task moves through: `queued → processing → completed | failed | cancelled`
 * (a queued task can also be cancelled or failed directly). The last three are terminal.
 */
export const TASK_STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === 'string' && (TASK_STATUSES as readonly string[]).includes(value);
}

export function isTerminalStatus(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.includes(status);
}

/** Where a task came from; captured by the API when the task is accepted. */
export interface TaskMetadata {
  ip: string | null;
  user_agent: string | null;
  request_id: string;
  environment: string;
  /**
   * Id (never the secret) of the API key the task was submitted with; absent
   * when the API runs without keys. Added after the first release: older tasks lack it.
   */
  api_key_id?: string;
}

export interface TaskResult {
  summary: string | null;
  raw_output: string;
  code_language: string | null;
  citations: Citation[];
}

/**
 * Spending limits a client may set on one task. A run that would go past
 * either fails the task with BUDGET_EXCEEDED. `null` means no limit of that kind.
 */
export interface TaskBudget {
  max_tokens: number | null;
  max_cost_usd: number | null;
}

export interface TaskError {
  type: string;
  message: string;
}

/** A failure a client retried (`POST /v1/tasks/{task_id}/retry`): the task's history before it was queued again. */
export interface TaskRetry {
  /** The error the task had failed with. */
  error: TaskError | null;
  /** When it had failed (its `completed_at`). */
  failed_at: Date | null;
  /** When the retry queued it again. */
  retried_at: Date;
  /** Worker pick-ups up to that failure (`attempts` keeps counting across retries). */
  attempts: number;
}

/** The steps of a run whose outcome is kept (checkpointed) once they finish, in order. */
export const TASK_STEPS = ['route', 'agent'] as const;
export type TaskStep = (typeof TASK_STEPS)[number];

/** The router's decision, kept when the route step finished: a later attempt reuses it instead of asking again. */
export interface RouteCheckpoint {
  /** `routed` to `agent_name`, or `unroutable` (the task then fails with UNKNOWN_TASK_TYPE). */
  decision: { status: 'routed' | 'unroutable'; agent_name: string; confidence: number; reasoning: string };
  model: string | null;
  /** The router's LLM calls, as paid. */
  usage: ModelUsage[];
  finished_at: Date;
}

/** The agent's finished output, kept when the agent step finished: a later attempt completes with it instead of running the agent again. */
export interface AgentCheckpoint {
  agent_name: string;
  agent_version: string;
  model: string | null;
  output: AgentOutput;
  /** The agent's LLM calls, as paid. */
  usage: ModelUsage[];
  finished_at: Date;
}

/**
 * What the finished steps of a processing task produced, kept on the task (attempt-agnostic):
 * a worker that picks the task up again resumes after the last finished step. Cleared by a
 * client's retry, which starts over. Tasks stored before checkpoints existed read as empty.
 */
export interface TaskCheckpoints {
  route: RouteCheckpoint | null;
  agent: AgentCheckpoint | null;
}

export function emptyCheckpoints(): TaskCheckpoints {
  return { route: null, agent: null };
}

/**
 * A task as stored and as returned by the API. Field names are snake_case on
 * purpose: the same shape is the MongoDB document and the JSON body.
 */
export interface Task {
  task_id: string;
  /** The tenant that owns the task (`default` for tasks stored before tenants, or an open API). */
  tenant_id: string;
  /** The client's session id (unique within the tenant only; see `sessionKey`). */
  session_id: string;
  task: string;
  status: TaskStatus;
  created_at: Date;
  queued_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
  metadata: TaskMetadata;
  /** Agent chosen by the router (registry name, e.g. `CodeAgent`). */
  selected_agent: string | null;
  /** Coarse kind of work, derived from the agent (e.g. `code`, `content`). */
  agent_type: string | null;
  /** Version of the agent package that produced the result. */
  agent_version: string | null;
  peer_routing_reason: string | null;
  confidence: number | null;
  result: TaskResult | null;
  error: TaskError | null;
  usage: TaskUsage;
  /** How many times a worker picked the task up. */
  attempts: number;
  /**
   * When a client asked to cancel the task while it was processing; the worker
   * aborts it at its next step. Null otherwise. Older tasks lack it (read as null).
   */
  cancel_requested_at: Date | null;
  /** Limits set at submission; `null` when none (and on tasks stored before budgets existed). */
  budget: TaskBudget | null;
  /** Earlier failures that were retried, oldest first; empty for a task never retried. */
  retries: TaskRetry[];
  /** Finished steps' outcomes, for a later attempt to resume from (worker-only: not returned by the API). */
  checkpoints: TaskCheckpoints;
  /** Steps a later attempt took from a checkpoint instead of calling the LLM again, in step order; empty when none. */
  reused_steps: TaskStep[];
  /**
   * Where the final task is POSTed when it ends (the client's own, or its key's default); null when
   * none. Never the signing secret. Older tasks lack it (read as null).
   */
  callback_url: string | null;
}

/** The fields a caller supplies to create a task; the rest is set by the system. */
export interface NewTask {
  task_id: string;
  /** Default: the default tenant. */
  tenant_id?: string;
  session_id: string;
  task: string;
  metadata: TaskMetadata;
  now: Date;
  budget?: TaskBudget | null;
  callback_url?: string | null;
}

export function newTask({ task_id, tenant_id = DEFAULT_TENANT, session_id, task, metadata, now, budget = null, callback_url = null }: NewTask): Task {
  return {
    task_id,
    tenant_id,
    session_id,
    task,
    status: 'queued',
    created_at: now,
    queued_at: now,
    started_at: null,
    completed_at: null,
    updated_at: now,
    metadata,
    selected_agent: null,
    agent_type: null,
    agent_version: null,
    peer_routing_reason: null,
    confidence: null,
    result: null,
    error: null,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] },
    attempts: 0,
    cancel_requested_at: null,
    budget,
    retries: [],
    checkpoints: emptyCheckpoints(),
    reused_steps: [],
    callback_url,
  };
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuidV4(value: unknown): value is string {
  return typeof value === 'string' && UUID_V4.test(value);
}
