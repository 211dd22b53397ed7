// Bodies shaped like the API's, typed by the generated types, for the client's specs.
import type { ExecuteAccepted, Task, TaskSummary } from '../types';

export const TASK_ID = '0b6f8f5e-7c1a-4d2e-9f3b-1a2b3c4d5e6f';

export function accepted(overrides: Partial<ExecuteAccepted> = {}): ExecuteAccepted {
  return { task_id: TASK_ID, session_id: 's-1', status: 'queued', queued_at: '2026-01-01T00:00:00.000Z', message: 'Task accepted.', api_version: 'v1', ...overrides };
}

export function task(overrides: Partial<Task> = {}): Task {
  return {
    task_id: TASK_ID,
    session_id: 's-1',
    task: 'Write a haiku',
    status: 'queued',
    created_at: '2026-01-01T00:00:00.000Z',
    queued_at: '2026-01-01T00:00:00.000Z',
    started_at: null,
    completed_at: null,
    updated_at: '2026-01-01T00:00:00.000Z',
    metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test', api_key_id: null },
    selected_agent: null,
    agent_type: null,
    agent_version: null,
    peer_routing_reason: null,
    confidence: null,
    result: null,
    error: null,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] },
    cancel_requested_at: null,
    budget: null,
    attempts: 0,
    retries: [],
    reused_steps: [],
    callback_url: null,
    api_version: 'v1',
    ...overrides,
  };
}

export function summary(n: number): TaskSummary {
  return {
    task_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    session_id: 's-1',
    status: 'completed',
    task_preview: `task ${n}`,
    task_truncated: false,
    selected_agent: 'CodeAgent',
    agent_type: 'code',
    agent_version: '1.0.0',
    confidence: 0.9,
    created_at: null,
    queued_at: null,
    started_at: null,
    completed_at: null,
    updated_at: null,
    result_summary: null,
    error: null,
    usage: { total_tokens: 1, cost_usd: 0 },
  };
}
