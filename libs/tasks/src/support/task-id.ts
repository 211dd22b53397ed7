import { ValidationError, isUuidV4 } from '@agent-orchestrator/domain';

/**
 * A task id as clients send it: a UUID v4 in any case, stored lowercase.
 * @throws ValidationError naming `task_id`
 */
export function parseTaskId(taskId: unknown): string {
  if (!isUuidV4(taskId)) {
    throw new ValidationError('task_id must be a UUID v4.', [{ field: 'task_id', message: 'task_id must be a UUID v4' }]);
  }
  return taskId.toLowerCase();
}
