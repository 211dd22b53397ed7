import { NotFoundError, type WebhookDelivery } from '@agent-orchestrator/domain';
import type { TaskRepository, WebhookDeliveryRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { parseTaskId } from '../support/task-id';

export interface TaskWebhooks {
  task_id: string;
  /** Oldest first: one per ending of the task announced to a callback URL. */
  deliveries: WebhookDelivery[];
}

/**
 * A task's webhook deliveries and their attempts (GET /v1/tasks/{task_id}/webhooks). Like the
 * task's events: the task is read first, so an unknown task is not found. @throws ValidationError, NotFoundError
 */
export class GetTaskWebhooks {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'findById'>; webhookDeliveries: Pick<WebhookDeliveryRepository, 'listByTask'> }) {}

  async execute(taskId: unknown): Promise<TaskWebhooks> {
    const id = parseTaskId(taskId);
    const message = "The task's webhooks could not be read because the database is unavailable. Try again shortly.";
    const task = await fromStore(() => this.deps.tasks.findById(id), message);
    if (!task) throw new NotFoundError(`No task with id ${String(taskId)}.`);
    return { task_id: id, deliveries: await fromStore(() => this.deps.webhookDeliveries.listByTask(id), message) };
  }
}
