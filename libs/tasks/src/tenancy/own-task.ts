/**
 * The one tenant check of every task read and change: a task of another tenant is answered exactly
 * like an unknown id (same error, same message, after the same single lookup by primary key), so a
 * caller never learns that it exists. Every use case that takes a task id from a client goes
 * through here (get, events, stream, cancel, retry; the webhooks route through GetTask).
 */
import { NotFoundError, tenantOf, type Task } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { parseTaskId } from '../support/task-id';

export function notFound(taskId: unknown): NotFoundError {
  return new NotFoundError(`No task with id ${String(taskId)}.`);
}

/** The task `taskId` if it exists and belongs to `tenantId`. @throws ValidationError (not a UUID v4), NotFoundError, ServiceUnavailableError */
export async function findOwnTask(tasks: Pick<TaskRepository, 'findById'>, taskId: unknown, tenantId: string, unavailable: string): Promise<Task> {
  const id = parseTaskId(taskId);
  const task = await fromStore(() => tasks.findById(id), unavailable);
  if (!task || tenantOf(task) !== tenantId) throw notFound(taskId);
  return task;
}
