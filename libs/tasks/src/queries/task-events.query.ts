import { NotFoundError, type TaskEvent } from '@agent-orchestrator/domain';
import type { TaskEventRepository, TaskRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { parseTaskId } from '../support/task-id';

export interface TaskTimeline {
  task_id: string;
  /** Oldest first. */
  events: TaskEvent[];
}

/**
 * A task's lifecycle events, for the dashboard's timeline: a task that does not exist is not
 * found (rather than an empty timeline). @throws ValidationError, NotFoundError
 */
export class GetTaskEvents {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'findById'>; taskEvents: Pick<TaskEventRepository, 'listByTask'> }) {}

  async execute(taskId: unknown): Promise<TaskTimeline> {
    const id = parseTaskId(taskId);
    const message = "The task's events could not be read because the database is unavailable. Try again shortly.";
    const task = await fromStore(() => this.deps.tasks.findById(id), message);
    if (!task) throw new NotFoundError(`No task with id ${String(taskId)}.`);
    return { task_id: id, events: await fromStore(() => this.deps.taskEvents.listByTask(id), message) };
  }
}
