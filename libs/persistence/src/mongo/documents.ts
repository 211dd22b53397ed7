/**
 * Domain objects → the documents the hot writes store through the driver, without building a
 * mongoose document (issue 11: document construction, change tracking and cloning were most of
 * the api's CPU). One builder per stored shape; each gives exactly what the mongoose model would
 * store for the same value (its defaults, its field set, `_id` = the record's own id), which
 * `documents.spec.ts` checks against the schemas. Values are copied field by field, so extra keys
 * on the input are never written, and the cheap checks the schema would make on these values
 * (ids are strings, dates are valid, the status and role are known) are made here.
 */
import { DEFAULT_TENANT, TENANT_ID_PATTERN, ValidationError, isTaskStatus, type AgentCheckpoint, type AgentRun, type Message, type ModelUsage, type RouteCheckpoint, type Task, type TaskError, type TaskResult, type TaskRetry, type TaskUsage } from '@agent-orchestrator/domain';

import { dateArg, idArg } from './guards';

type Doc = Record<string, unknown>;

export const strOrNull = (value: unknown, field: string): string | null => (value === null || value === undefined ? null : idArg(value, field));
export const dateOrNull = (value: unknown, field: string): Date | null => (value === null || value === undefined ? null : dateArg(value, field));

/** A string the schema requires: mongoose's `required` refuses an empty one too. */
function requiredStr(value: unknown, field: string): string {
  const s = idArg(value, field);
  if (s === '') throw new ValidationError(`${field} is required`, [{ field, message: 'got an empty string' }]);
  return s;
}

function nonNegative(value: unknown, field: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new ValidationError(`${field} must be a non-negative number`, [{ field, message: `got ${String(value)}` }]);
  }
  return value;
}

export function numOrNull(value: unknown, field: string, min?: number): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || Number.isNaN(value) || (min !== undefined && value < min)) {
    throw new ValidationError(`${field} must be a number${min === undefined ? '' : ` ≥ ${min}`}`, [{ field, message: `got ${String(value)}` }]);
  }
  return value;
}

export function modelUsageDoc(u: ModelUsage, field = 'usage'): Doc {
  return {
    model: idArg(u?.model, `${field}.model`),
    prompt_tokens: nonNegative(u.prompt_tokens, `${field}.prompt_tokens`),
    completion_tokens: nonNegative(u.completion_tokens, `${field}.completion_tokens`),
    total_tokens: nonNegative(u.total_tokens, `${field}.total_tokens`),
    cost_usd: numOrNull(u.cost_usd, `${field}.cost_usd`, 0),
  };
}

export function taskUsageDoc(u: TaskUsage): Doc {
  return {
    prompt_tokens: nonNegative(u?.prompt_tokens, 'usage.prompt_tokens'),
    completion_tokens: nonNegative(u.completion_tokens, 'usage.completion_tokens'),
    total_tokens: nonNegative(u.total_tokens, 'usage.total_tokens'),
    cost_usd: numOrNull(u.cost_usd, 'usage.cost_usd', 0),
    by_model: (u.by_model ?? []).map((m) => modelUsageDoc(m, 'usage.by_model')),
  };
}

export function taskErrorDoc(e: TaskError | null | undefined): Doc | null {
  if (e === null || e === undefined) return null;
  return { type: idArg(e.type, 'error.type'), message: e.message ?? '' };
}

export function taskResultDoc(r: TaskResult | null | undefined): Doc | null {
  if (r === null || r === undefined) return null;
  return {
    summary: strOrNull(r.summary, 'result.summary'),
    raw_output: r.raw_output ?? '',
    code_language: strOrNull(r.code_language, 'result.code_language'),
    citations: (r.citations ?? []).map((c) => ({ source: idArg(c.source, 'result.citations.source'), title: strOrNull(c.title, 'result.citations.title'), url: strOrNull(c.url, 'result.citations.url') })),
  };
}

const usageDocs = (usage: RouteCheckpoint['usage'] | undefined) => (Array.isArray(usage) ? usage : []).map((u) => modelUsageDoc(u, 'checkpoint.usage'));

export function routeCheckpointDoc(c: RouteCheckpoint): Doc {
  const d = c.decision;
  if (d?.status !== 'routed' && d?.status !== 'unroutable') throw new ValidationError('checkpoint.decision.status must be routed or unroutable', [{ field: 'checkpoint.decision.status', message: `got ${String(d?.status)}` }]);
  return {
    decision: { status: d.status, agent_name: d.agent_name, confidence: d.confidence, reasoning: d.reasoning },
    model: c.model ?? null,
    usage: usageDocs(c.usage),
    finished_at: dateArg(c.finished_at, 'checkpoint.finished_at'),
  };
}

export function agentCheckpointDoc(c: AgentCheckpoint): Doc {
  const o = c.output;
  return {
    agent_name: c.agent_name,
    agent_version: c.agent_version,
    model: c.model ?? null,
    output: {
      agent_name: o.agent_name,
      content: o.content,
      code_language: o.code_language ?? null,
      citations: (o.citations ?? []).map((x) => ({ source: x.source, title: x.title ?? null, url: x.url ?? null })),
      summary: o.summary ?? null,
    },
    usage: usageDocs(c.usage),
    finished_at: dateArg(c.finished_at, 'checkpoint.finished_at'),
  };
}

function retryDoc(r: TaskRetry): Doc {
  return { error: taskErrorDoc(r.error), failed_at: dateOrNull(r.failed_at, 'retries.failed_at'), retried_at: dateArg(r.retried_at, 'retries.retried_at'), attempts: nonNegative(r.attempts, 'retries.attempts') };
}

/** The `tasks` document of a task, `_id` = task_id (what `taskModel.create(task)` stores, with the task id as key). */
/** A task's tenant: a tenant id (TENANT_ID_PATTERN); absent means the default tenant. */
function tenantArg(value: unknown): string {
  if (value === undefined) return DEFAULT_TENANT;
  if (typeof value !== 'string' || !TENANT_ID_PATTERN.test(value)) throw new ValidationError('tenant_id is not a tenant id', [{ field: 'tenant_id', message: `got ${String(value).slice(0, 80)}` }]);
  return value;
}

export function taskDocument(task: Task): Doc {
  const task_id = idArg(task?.task_id, 'task_id');
  if (!isTaskStatus(task.status)) throw new ValidationError('status is not a task status', [{ field: 'status', message: `got ${String(task.status)}` }]);
  const m = task.metadata;
  if (typeof m !== 'object' || m === null) throw new ValidationError('metadata is required', [{ field: 'metadata', message: 'expected an object' }]);
  const b = task.budget;
  const c = task.checkpoints;
  return {
    _id: task_id,
    task_id,
    tenant_id: tenantArg(task.tenant_id),
    session_id: idArg(task.session_id, 'session_id'),
    task: task.task ?? '',
    status: task.status,
    created_at: dateArg(task.created_at, 'created_at'),
    queued_at: dateArg(task.queued_at, 'queued_at'),
    started_at: dateOrNull(task.started_at, 'started_at'),
    completed_at: dateOrNull(task.completed_at, 'completed_at'),
    updated_at: dateArg(task.updated_at, 'updated_at'),
    metadata: {
      ip: strOrNull(m.ip, 'metadata.ip'),
      user_agent: strOrNull(m.user_agent, 'metadata.user_agent'),
      request_id: m.request_id ?? '',
      environment: m.environment ?? '',
      ...(m.api_key_id === undefined ? {} : { api_key_id: idArg(m.api_key_id, 'metadata.api_key_id') }),
    },
    selected_agent: strOrNull(task.selected_agent, 'selected_agent'),
    agent_type: strOrNull(task.agent_type, 'agent_type'),
    agent_version: strOrNull(task.agent_version, 'agent_version'),
    peer_routing_reason: strOrNull(task.peer_routing_reason, 'peer_routing_reason'),
    confidence: numOrNull(task.confidence, 'confidence'),
    result: taskResultDoc(task.result),
    error: taskErrorDoc(task.error),
    usage: taskUsageDoc(task.usage),
    attempts: task.attempts === undefined ? 0 : nonNegative(task.attempts, 'attempts'),
    cancel_requested_at: dateOrNull(task.cancel_requested_at, 'cancel_requested_at'),
    budget: b === null || b === undefined ? null : { max_tokens: numOrNull(b.max_tokens, 'budget.max_tokens', 1), max_cost_usd: numOrNull(b.max_cost_usd, 'budget.max_cost_usd', 0) },
    retries: (task.retries ?? []).map(retryDoc),
    checkpoints: {
      route: c?.route ? routeCheckpointDoc(c.route) : null,
      agent: c?.agent ? agentCheckpointDoc(c.agent) : null,
    },
    reused_steps: [...(task.reused_steps ?? [])],
    callback_url: strOrNull(task.callback_url, 'callback_url'),
    latency_ms: null,
    finished_day: null,
  };
}

/** The `messages` document of a message, `_id` = message_id. */
export function messageDocument(message: Message): Doc {
  const message_id = idArg(message?.message_id, 'message_id');
  if (message.role !== 'user' && message.role !== 'assistant') throw new ValidationError('role must be user or assistant', [{ field: 'role', message: `got ${String(message.role)}` }]);
  return {
    _id: message_id,
    message_id,
    session_id: idArg(message.session_id, 'session_id'),
    task_id: idArg(message.task_id, 'task_id'),
    role: message.role,
    content: message.content ?? '',
    agent_name: strOrNull(message.agent_name, 'agent_name'),
    created_at: dateArg(message.created_at, 'created_at'),
  };
}

/**
 * The `agent_runs` document of a router or agent run. `_id` is left out: the driver gives it an
 * ObjectId when it inserts, as mongoose would (the schema has no `_id` of its own).
 */
export function agentRunDocument(run: AgentRun): Doc {
  const run_id = requiredStr(run?.run_id, 'run_id');
  if (run.kind !== 'router' && run.kind !== 'agent') throw new ValidationError('kind must be router or agent', [{ field: 'kind', message: `got ${String(run.kind)}` }]);
  if (run.outcome !== 'success' && run.outcome !== 'failure') throw new ValidationError('outcome must be success or failure', [{ field: 'outcome', message: `got ${String(run.outcome)}` }]);
  return {
    run_id,
    task_id: requiredStr(run.task_id, 'task_id'),
    session_id: requiredStr(run.session_id, 'session_id'),
    kind: run.kind,
    agent_name: requiredStr(run.agent_name, 'agent_name'),
    agent_version: run.agent_version ?? '',
    model: strOrNull(run.model, 'model'),
    attempt: nonNegative(run.attempt, 'attempt'),
    input: run.input ?? '',
    output: run.output ?? null,
    outcome: run.outcome,
    error: taskErrorDoc(run.error),
    usage: (Array.isArray(run.usage) ? run.usage : []).map((u) => modelUsageDoc(u)),
    prompt_tokens: nonNegative(run.prompt_tokens, 'prompt_tokens'),
    completion_tokens: nonNegative(run.completion_tokens, 'completion_tokens'),
    total_tokens: nonNegative(run.total_tokens, 'total_tokens'),
    cost_usd: numOrNull(run.cost_usd, 'cost_usd', 0),
    started_at: dateArg(run.started_at, 'started_at'),
    finished_at: dateArg(run.finished_at, 'finished_at'),
    duration_ms: nonNegative(run.duration_ms, 'duration_ms'),
  };
}
