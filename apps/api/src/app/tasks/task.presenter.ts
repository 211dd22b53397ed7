import type { Response } from 'express';
import { API_VERSION, type Task } from '@agent-orchestrator/domain';

// The task's JSON view lives in the domain (the worker's webhooks send the same shape).
export { presentRetry, presentTask } from '@agent-orchestrator/domain';
export type { RetryView, TaskView } from '@agent-orchestrator/domain';

/**
 * A task just (re)queued, as a 202 answers it (submit, retry): status 202, `Location` of the task,
 * its ids, status and queue time, then `extra`.
 */
export function sendQueued(res: Response, task: Task, extra: Record<string, unknown>): void {
  res
    .status(202)
    .location(`/v1/tasks/${task.task_id}`)
    .json({ task_id: task.task_id, session_id: task.session_id, status: task.status, queued_at: task.queued_at.toISOString(), ...extra, api_version: API_VERSION });
}

