import { API_VERSION, presentTask, webhookEventOf, webhookIdOf, type Task, type WebhookDelivery } from '@agent-orchestrator/domain';
import type { TaskRepository, WebhookDeliveryRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import type { WebhookQueue } from '../ports/webhook.port';

export interface WebhookOutboxDeps {
  deliveries: Pick<WebhookDeliveryRepository, 'create'>;
  /** Clears a task's webhook marker once its delivery is recorded. */
  tasks: Pick<TaskRepository, 'clearWebhookPending'>;
  /** Schedules the first attempt at once; without it (the api) the worker's sweep does, within WEBHOOK_SWEEP_INTERVAL_MS. */
  queue?: WebhookQueue;
  logger: Pick<Logger, 'warn' | 'error'>;
  now?: () => Date;
}

/** The JSON body of a task's webhook: exactly what GET /v1/tasks/{task_id} answers for the final task. */
export function webhookBody(task: Task): string {
  return JSON.stringify({ ...presentTask(task), api_version: API_VERSION });
}

/**
 * Records a task's ending as a webhook delivery (the outbox), when the task has a callback URL.
 *
 * The ending's own update set the task's webhook marker (`webhook_pending_at` = its `completed_at`,
 * see TaskRepository.listWebhookPending). Here `webhook_deliveries` gets the delivery, pending and
 * due now, with its body fixed (`_id` = the stable webhook id, so recording it twice records it
 * once); then its first attempt is scheduled and the marker cleared (only if it still holds this
 * ending). Whatever dies in between, the sweep (WebhookSweep) finishes the job: a marker left set
 * gets its delivery recorded the same way, a due delivery without a job gets one.
 */
export class WebhookOutbox {
  private readonly now: () => Date;

  constructor(private readonly deps: WebhookOutboxDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** After an ending: `record`, never throwing (a failed write is logged; the marker stays for the sweep). */
  async ended(task: Task): Promise<void> {
    try {
      await this.record(task);
    } catch (err) {
      this.deps.logger.error('webhook delivery not recorded yet; the webhook sweep will record it', {
        task_id: task.task_id,
        webhook_id: webhookIdOf(task),
        error_message: (err as Error).message,
      });
    }
  }

  /**
   * Records the delivery of the task's current ending (a no-op for a task without a callback URL or
   * not ended), schedules its first attempt when it is new, and clears the ending's marker.
   * @throws when the delivery could not be recorded (the marker then stays set).
   */
  async record(task: Task): Promise<void> {
    const url = task.callback_url;
    const event = webhookEventOf(task.status);
    if (!url || !event) return;
    const at = this.now();
    const delivery: WebhookDelivery = {
      webhook_id: webhookIdOf(task),
      task_id: task.task_id,
      event,
      url,
      api_key_id: task.metadata.api_key_id ?? null,
      body: webhookBody(task),
      state: 'pending',
      created_at: at,
      updated_at: at,
      next_attempt_at: at,
      attempts: [],
    };
    const created = await this.deps.deliveries.create(delivery);
    if (created && this.deps.queue) {
      await this.deps.queue.schedule(delivery.webhook_id, 1, 0).catch((err: Error) => {
        this.deps.logger.warn('webhook job not scheduled; the sweep will', { task_id: task.task_id, webhook_id: delivery.webhook_id, error_message: err.message });
      });
    }
    if (!task.completed_at) return;
    await this.deps.tasks.clearWebhookPending(task.task_id, task.completed_at).catch((err: Error) => {
      // The delivery is recorded: a marker left set only makes the sweep record it again (a no-op).
      this.deps.logger.warn('webhook marker not cleared; the sweep will', { task_id: task.task_id, webhook_id: delivery.webhook_id, error_message: err.message });
    });
  }
}
