import { API_VERSION, presentTask, webhookEventOf, webhookIdOf, type Task, type WebhookDelivery } from '@agent-orchestrator/domain';
import type { WebhookDeliveryRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import type { WebhookQueue } from '../ports/webhook.port';

export interface WebhookOutboxDeps {
  deliveries: Pick<WebhookDeliveryRepository, 'create'>;
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
 * Records a task's ending as a webhook delivery (the outbox), when the task has a callback URL:
 * `webhook_deliveries` gets the delivery, pending and due now, with its body fixed, before anything
 * is sent; then its first attempt is scheduled. The record is what makes it durable: whatever dies
 * after it, the sweep (WebhookSweep) gives a due delivery a job again. Never throws: a failed write
 * is logged (the task's ending stands).
 */
export class WebhookOutbox {
  private readonly now: () => Date;

  constructor(private readonly deps: WebhookOutboxDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async ended(task: Task): Promise<void> {
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
    let created: boolean;
    try {
      created = await this.deps.deliveries.create(delivery);
    } catch (err) {
      this.deps.logger.error('webhook delivery could not be recorded; the task ended without its webhook', {
        task_id: task.task_id,
        webhook_id: delivery.webhook_id,
        error_message: (err as Error).message,
      });
      return;
    }
    if (!created || !this.deps.queue) return;
    await this.deps.queue.schedule(delivery.webhook_id, 1, 0).catch((err: Error) => {
      this.deps.logger.warn('webhook job not scheduled; the sweep will', {
        task_id: task.task_id,
        webhook_id: delivery.webhook_id,
        error_message: err.message,
      });
    });
  }
}
