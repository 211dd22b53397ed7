/**
 * Stored documents → plain domain objects. Each mapper copies the domain's
 * fields one by one, so `_id` and anything else the database adds never reach
 * callers, and documents written by an older schema get the domain defaults.
 */
import {
  tenantOf,
  TASK_STEPS,
  isTaskStatus,
  type AgentCheckpoint,
  type AgentRun,
  type RouteCheckpoint,
  type TaskCheckpoints,
  type TaskStep,
  type Citation,
  type Message,
  type ModelUsage,
  type Task,
  type TaskBudget,
  type TaskRetry,
  type TaskError,
  type TaskMetadata,
  type TaskResult,
  type TaskUsage,
  type UsageTotals,
} from '@agent-orchestrator/domain';

import { taskSummary, type TaskSummary } from '../repositories';

type Doc = Record<string, unknown>;

function doc(value: unknown): Doc {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : {};
}

function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}

function strOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function numOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Always a fresh Date, so callers can never mutate a cached document. A missing date is `Invalid Date`. */
function date(value: unknown): Date {
  if (value instanceof Date) return new Date(value.getTime());
  if (typeof value === 'string' || typeof value === 'number') return new Date(value);
  return new Date(Number.NaN);
}

function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : date(value);
}

function list<T>(value: unknown, map: (item: unknown) => T): T[] {
  return Array.isArray(value) ? value.map(map) : [];
}

export function toCitation(value: unknown): Citation {
  const d = doc(value);
  return { source: str(d['source']), title: strOrNull(d['title']), url: strOrNull(d['url']) };
}

export function toTaskError(value: unknown): TaskError | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = doc(value);
  return { type: str(d['type']), message: str(d['message']) };
}

/**
 * Token counts and their estimated cost, as every usage-bearing document stores them: a stored
 * null cost is unknown (a model without a price); a document without the field (older, or no
 * usage at all) cost nothing.
 */
export function toUsageTotals(d: Record<string, unknown>): UsageTotals {
  return {
    prompt_tokens: num(d['prompt_tokens']),
    completion_tokens: num(d['completion_tokens']),
    total_tokens: num(d['total_tokens']),
    cost_usd: d['cost_usd'] === null ? null : num(d['cost_usd']),
  };
}

export function toModelUsage(value: unknown): ModelUsage {
  const d = doc(value);
  return { model: str(d['model']), ...toUsageTotals(d) };
}

export function toTaskUsage(value: unknown): TaskUsage {
  const d = doc(value);
  return {
    ...toUsageTotals(d),
    by_model: list(d['by_model'], toModelUsage),
  };
}

export function toTaskResult(value: unknown): TaskResult | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = doc(value);
  return {
    summary: strOrNull(d['summary']),
    raw_output: str(d['raw_output']),
    code_language: strOrNull(d['code_language']),
    citations: list(d['citations'], toCitation),
  };
}

export function toTaskMetadata(value: unknown): TaskMetadata {
  const d = doc(value);
  return {
    ip: strOrNull(d['ip']),
    user_agent: strOrNull(d['user_agent']),
    request_id: str(d['request_id']),
    environment: str(d['environment']),
    ...(typeof d['api_key_id'] === 'string' ? { api_key_id: d['api_key_id'] } : {}),
  };
}

export function toTaskBudget(value: unknown): TaskBudget | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = doc(value);
  return { max_tokens: numOrNull(d['max_tokens']), max_cost_usd: numOrNull(d['max_cost_usd']) };
}

export function toTask(value: unknown): Task {
  const d = doc(value);
  const status = d['status'];
  return {
    task_id: str(d['task_id']),
    // Tasks stored before tenants have no tenant_id: they are the default tenant's.
    tenant_id: tenantOf(d),
    session_id: str(d['session_id']),
    task: str(d['task']),
    // The schema's enum keeps bad statuses out; should one appear anyway, a
    // terminal status stops workers from picking the task up again.
    status: isTaskStatus(status) ? status : 'failed',
    created_at: date(d['created_at']),
    queued_at: date(d['queued_at']),
    started_at: dateOrNull(d['started_at']),
    completed_at: dateOrNull(d['completed_at']),
    updated_at: date(d['updated_at']),
    metadata: toTaskMetadata(d['metadata']),
    selected_agent: strOrNull(d['selected_agent']),
    agent_type: strOrNull(d['agent_type']),
    agent_version: strOrNull(d['agent_version']),
    peer_routing_reason: strOrNull(d['peer_routing_reason']),
    confidence: numOrNull(d['confidence']),
    result: toTaskResult(d['result']),
    error: toTaskError(d['error']),
    usage: toTaskUsage(d['usage']),
    attempts: num(d['attempts']),
    cancel_requested_at: dateOrNull(d['cancel_requested_at']),
    budget: toTaskBudget(d['budget']),
    retries: Array.isArray(d['retries']) ? d['retries'].map(toTaskRetry) : [],
    checkpoints: toTaskCheckpoints(d['checkpoints']),
    reused_steps: list(d['reused_steps'], (s) => s).filter((s): s is TaskStep => (TASK_STEPS as readonly unknown[]).includes(s)),
    callback_url: strOrNull(d['callback_url']),
  };
}

/** Checkpoints as stored; a task stored before they existed has none. */
export function toTaskCheckpoints(value: unknown): TaskCheckpoints {
  const d = doc(value);
  return { route: toRouteCheckpoint(d['route']), agent: toAgentCheckpoint(d['agent']) };
}

export function toRouteCheckpoint(value: unknown): RouteCheckpoint | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = doc(value);
  const decision = doc(d['decision']);
  return {
    decision: {
      status: decision['status'] === 'routed' ? 'routed' : 'unroutable',
      agent_name: str(decision['agent_name']),
      confidence: num(decision['confidence']),
      reasoning: str(decision['reasoning']),
    },
    model: strOrNull(d['model']),
    usage: list(d['usage'], toModelUsage),
    finished_at: date(d['finished_at']),
  };
}

export function toAgentCheckpoint(value: unknown): AgentCheckpoint | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = doc(value);
  const output = doc(d['output']);
  return {
    agent_name: str(d['agent_name']),
    agent_version: str(d['agent_version']),
    model: strOrNull(d['model']),
    output: {
      agent_name: str(output['agent_name']),
      content: str(output['content']),
      code_language: strOrNull(output['code_language']),
      citations: list(output['citations'], toCitation),
      summary: strOrNull(output['summary']),
    },
    usage: list(d['usage'], toModelUsage),
    finished_at: date(d['finished_at']),
  };
}

export function toTaskRetry(value: unknown): TaskRetry {
  const d = doc(value);
  return { error: toTaskError(d['error']), failed_at: dateOrNull(d['failed_at']), retried_at: date(d['retried_at']), attempts: num(d['attempts']) };
}

/** A summary as listed; reads only the fields `TASK_SUMMARY_PROJECTION` fetches (the others get toTask's defaults, then are dropped). */
export function toTaskSummary(value: unknown): TaskSummary {
  return taskSummary(toTask(value));
}

export function toAgentRun(value: unknown): AgentRun {
  const d = doc(value);
  return {
    run_id: str(d['run_id']),
    task_id: str(d['task_id']),
    session_id: str(d['session_id']),
    kind: d['kind'] === 'router' ? 'router' : 'agent',
    agent_name: str(d['agent_name']),
    agent_version: str(d['agent_version']),
    model: strOrNull(d['model']),
    attempt: num(d['attempt']),
    input: str(d['input']),
    output: strOrNull(d['output']),
    outcome: d['outcome'] === 'success' ? 'success' : 'failure',
    error: toTaskError(d['error']),
    usage: list(d['usage'], toModelUsage),
    ...toUsageTotals(d),
    started_at: date(d['started_at']),
    finished_at: date(d['finished_at']),
    duration_ms: num(d['duration_ms']),
  };
}

export function toMessage(value: unknown): Message {
  const d = doc(value);
  return {
    message_id: str(d['message_id']),
    session_id: str(d['session_id']),
    task_id: str(d['task_id']),
    role: d['role'] === 'assistant' ? 'assistant' : 'user',
    content: str(d['content']),
    agent_name: strOrNull(d['agent_name']),
    created_at: date(d['created_at']),
  };
}
