import type { TaskEvent } from '@agent-orchestrator/domain';
import type { TaskEventRepository, TaskRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { findOwnTask } from '../tenancy/own-task';

export interface TaskTimeline {
  task_id: string;
  /** Oldest first. */
  events: TaskEvent[];
}

/**
 * A task's lifecycle events, for the dashboard's timeline: a task that does not exist is not
 * found (rather than an empty timeline), and so is another tenant's task. @throws ValidationError, NotFoundError
 */
export class GetTaskEvents {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'findById'>; taskEvents: Pick<TaskEventRepository, 'listByTask'> }) {}

  async execute(taskId: unknown, tenantId: string): Promise<TaskTimeline> {
    const message = "The task's events could not be read because the database is unavailable. Try again shortly.";
    // Events are looked up by task id only: reachable through the tenant-checked task alone.
    const { task_id: id } = await findOwnTask(this.deps.tasks, taskId, tenantId, message);
    return { task_id: id, events: await fromStore(() => this.deps.taskEvents.listByTask(id), message) };
  }
}
