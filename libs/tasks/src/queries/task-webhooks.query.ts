import type { WebhookDelivery } from '@agent-orchestrator/domain';
import type { TaskRepository, WebhookDeliveryRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { findOwnTask } from '../tenancy/own-task';

export interface TaskWebhooks {
  task_id: string;
  /** Oldest first: one per ending of the task announced to a callback URL. */
  deliveries: WebhookDelivery[];
}

/**
 * A task's webhook deliveries and their attempts (GET /v1/tasks/{task_id}/webhooks). Like the
 * task's events: the task is read first, so an unknown task, or another tenant's, is not found.
 * @throws ValidationError, NotFoundError
 */
export class GetTaskWebhooks {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'findById'>; webhookDeliveries: Pick<WebhookDeliveryRepository, 'listByTask'> }) {}

  async execute(taskId: unknown, tenantId: string): Promise<TaskWebhooks> {
    const message = "The task's webhooks could not be read because the database is unavailable. Try again shortly.";
    // Deliveries are looked up by task id only: reachable through the tenant-checked task alone.
    const { task_id: id } = await findOwnTask(this.deps.tasks, taskId, tenantId, message);
    return { task_id: id, deliveries: await fromStore(() => this.deps.webhookDeliveries.listByTask(id), message) };
  }
}
