import type { Task } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { findOwnTask } from '../tenancy/own-task';

/**
 * One task of the caller's tenant, whatever its status; another tenant's task is not found, exactly
 * like an unknown id. @throws ValidationError (not a UUID v4), NotFoundError
 */
export class GetTask {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'findById'> }) {}

  async execute(taskId: unknown, tenantId: string): Promise<Task> {
    // Ids are generated lowercase; any case is accepted from clients.
    return findOwnTask(this.deps.tasks, taskId, tenantId, 'The task could not be read because the database is unavailable. Try again shortly.');
  }
}
