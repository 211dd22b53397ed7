import { NotFoundError, type Task } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { parseTaskId } from '../support/task-id';

/** One task, whatever its status. @throws ValidationError (not a UUID v4), NotFoundError */
export class GetTask {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'findById'> }) {}

  async execute(taskId: unknown): Promise<Task> {
    // Ids are generated lowercase; any case is accepted from clients.
    const id = parseTaskId(taskId);
    const task = await fromStore(() => this.deps.tasks.findById(id), 'The task could not be read because the database is unavailable. Try again shortly.');
    if (!task) throw new NotFoundError(`No task with id ${String(taskId)}.`);
    return task;
  }
}
