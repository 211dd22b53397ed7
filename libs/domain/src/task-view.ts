import { usageTotals } from './usage';
import type { ModelUsage, TaskUsage } from './usage';
import type { Citation } from './agent-output';
import type { Task, TaskBudget, TaskError, TaskMetadata, TaskResult, TaskRetry } from './task';

/*
 * The JSON view of a task: what GET /v1/tasks/{task_id} answers and what a webhook on completion
 * carries (the worker signs and sends the same shape). Pure, so both apps use it.
 */

type Iso<T> = T extends Date ? string : T;

/**
 * A task as JSON: every domain field but the worker's `checkpoints` (internal: a resumed step's
 * output is the result) and `tenant_id` (a caller only ever sees its own tenant's tasks), dates as ISO 8601 strings. Adding a Task field fails to compile here until it is presented.
 */
export type TaskView = { [K in Exclude<keyof Task, 'checkpoints' | 'tenant_id'>]: K extends 'metadata' ? MetadataView : K extends 'retries' ? RetryView[] : Iso<Task[K]> };

export interface RetryView {
  error: TaskError | null;
  failed_at: string | null;
  retried_at: string | null;
  attempts: number;
}

function iso(date: Date): string;
function iso(date: Date | null): string | null;
function iso(date: Date | null): string | null {
  return date === null || Number.isNaN(date.getTime()) ? null : date.toISOString();
}

// Field-by-field copies, so nothing a store adds (`_id`, `__v`) can reach a client.
/** The metadata as returned: `api_key_id` is always present, null when the task came in without a key. */
type MetadataView = Omit<TaskMetadata, 'api_key_id'> & { api_key_id: string | null };
const metadata = (m: TaskMetadata): MetadataView => ({
  ip: m.ip,
  user_agent: m.user_agent,
  request_id: m.request_id,
  environment: m.environment,
  api_key_id: m.api_key_id ?? null,
});
const citation = (c: Citation): Citation => ({ source: c.source, title: c.title, url: c.url });
const result = (r: TaskResult | null): TaskResult | null =>
  r && { summary: r.summary, raw_output: r.raw_output, code_language: r.code_language, citations: r.citations.map(citation) };
const error = (e: TaskError | null): TaskError | null => e && { type: e.type, message: e.message };
const modelUsage = (u: ModelUsage): ModelUsage => ({ model: u.model, ...usageTotals(u) });
const budget = (b: TaskBudget | null): TaskBudget | null => b && { max_tokens: b.max_tokens, max_cost_usd: b.max_cost_usd };
const usage = (u: TaskUsage): TaskUsage => ({ ...usageTotals(u), by_model: u.by_model.map(modelUsage) });

export const presentRetry = (r: TaskRetry): RetryView => ({
  error: error(r.error),
  failed_at: iso(r.failed_at),
  retried_at: iso(r.retried_at),
  attempts: r.attempts,
});

export function presentTask(task: Task): TaskView {
  return {
    task_id: task.task_id,
    session_id: task.session_id,
    task: task.task,
    status: task.status,
    // created/queued/updated always exist; an unreadable stored date degrades to null rather than a 500.
    created_at: iso(task.created_at) as string,
    queued_at: iso(task.queued_at) as string,
    started_at: iso(task.started_at),
    completed_at: iso(task.completed_at),
    updated_at: iso(task.updated_at) as string,
    metadata: metadata(task.metadata),
    selected_agent: task.selected_agent,
    agent_type: task.agent_type,
    agent_version: task.agent_version,
    peer_routing_reason: task.peer_routing_reason,
    confidence: task.confidence,
    result: result(task.result),
    error: error(task.error),
    usage: usage(task.usage),
    attempts: task.attempts,
    cancel_requested_at: iso(task.cancel_requested_at),
    budget: budget(task.budget),
    retries: task.retries.map(presentRetry),
    reused_steps: [...task.reused_steps],
    callback_url: task.callback_url ?? null,
  };
}
