import type { ModelUsage } from './usage';
import type { TaskError } from './task';

/** One execution of the router or of an agent for a task, kept for audit and cost. */
export interface AgentRun {
  run_id: string;
  task_id: string;
  session_id: string;
  /** `router` for the PeerAgent classification, `agent` for the sub-agent. */
  kind: 'router' | 'agent';
  agent_name: string;
  agent_version: string;
  model: string | null;
  attempt: number;
  input: string;
  output: string | null;
  outcome: 'success' | 'failure';
  error: TaskError | null;
  usage: ModelUsage[];
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Null when unknown: one of the run's calls was to a model without a price. */
  cost_usd: number | null;
  started_at: Date;
  finished_at: Date;
  duration_ms: number;
}

export type MessageRole = 'user' | 'assistant';

/**
 * The id of a task's one assistant reply. Derived from the task id, so a run
 * that is repeated (stalled job, redelivery) replaces the reply instead of
 * adding a second one.
 */
export function replyMessageId(taskId: string): string {
  return `${taskId}:reply`;
}

/** A turn in a session's conversation: the user's task text or an agent's answer. */
export interface Message {
  message_id: string;
  session_id: string;
  task_id: string;
  role: MessageRole;
  content: string;
  agent_name: string | null;
  created_at: Date;
}

export interface Session {
  session_id: string;
  created_at: Date;
  updated_at: Date;
  task_count: number;
}
