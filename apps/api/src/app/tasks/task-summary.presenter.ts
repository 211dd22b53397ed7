import type { TaskError } from '@agent-orchestrator/domain';
import type { TaskSummary } from '@agent-orchestrator/persistence';
import { TASK_PREVIEW_LENGTH } from '@agent-orchestrator/api-contract';

/** One item of `GET /v1/tasks`. The full task (`GET /v1/tasks/{task_id}`) has the complete text and result. */
export interface TaskSummaryView {
  task_id: string;
  session_id: string;
  status: string;
  /** The first TASK_PREVIEW_LENGTH characters of the task text. */
  task_preview: string;
  /** Whether task_preview is shorter than the task text. */
  task_truncated: boolean;
  selected_agent: string | null;
  agent_type: string | null;
  agent_version: string | null;
  confidence: number | null;
  created_at: string | null;
  queued_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string | null;
  /** `result.summary` of a completed task. */
  result_summary: string | null;
  error: TaskError | null;
  usage: { total_tokens: number; cost_usd: number | null };
}

function iso(date: Date | null): string | null {
  return date === null || Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The first `max` code points of `text` (never half a surrogate pair) and whether anything was cut. */
export function preview(text: string, max = TASK_PREVIEW_LENGTH): { text: string; truncated: boolean } {
  let end = 0;
  let count = 0;
  for (const ch of text) {
    if (count === max) return { text: text.slice(0, end), truncated: true };
    end += ch.length;
    count += 1;
  }
  return { text, truncated: false };
}

export function presentTaskSummary(t: TaskSummary): TaskSummaryView {
  const { text, truncated } = preview(t.task);
  return {
    task_id: t.task_id,
    session_id: t.session_id,
    status: t.status,
    task_preview: text,
    task_truncated: truncated,
    selected_agent: t.selected_agent,
    agent_type: t.agent_type,
    agent_version: t.agent_version,
    confidence: t.confidence,
    created_at: iso(t.created_at),
    queued_at: iso(t.queued_at),
    started_at: iso(t.started_at),
    completed_at: iso(t.completed_at),
    updated_at: iso(t.updated_at),
    result_summary: t.result_summary,
    error: t.error && { type: t.error.type, message: t.error.message },
    usage: { total_tokens: t.usage.total_tokens, cost_usd: t.usage.cost_usd },
  };
}
