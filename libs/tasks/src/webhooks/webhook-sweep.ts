import type { WebhookDeliveryRepository } from '@agent-orchestrator/persistence';
import type { WebhookQueue } from '../ports/webhook.port';

/** The Redis lease key of the sweep (one worker runs it at a time). */
export const WEBHOOK_SWEEP_LOCK_KEY = 'ao:webhooks:sweep';

export interface WebhookSweepDeps {
  deliveries: Pick<WebhookDeliveryRepository, 'listDue'>;
  queue: WebhookQueue;
  batchSize: number;
  now?: () => Date;
}

/**
 * Gives every pending delivery that is due a job for its next attempt: the ones recorded by the api
 * (a queued task cancelled there), and any whose job was lost (a worker killed between recording a
 * delivery or an attempt and scheduling the next, Redis flushed). Jobs are keyed by delivery and
 * attempt, so scheduling one that exists (waiting, delayed, running) adds nothing.
 */
export class WebhookSweep {
  private readonly now: () => Date;

  constructor(private readonly deps: WebhookSweepDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async runOnce(): Promise<{ scheduled: number }> {
    const due = await this.deps.deliveries.listDue(this.now(), this.deps.batchSize);
    for (const d of due) await this.deps.queue.schedule(d.webhook_id, d.attempts.length + 1, 0);
    return { scheduled: due.length };
  }
}
