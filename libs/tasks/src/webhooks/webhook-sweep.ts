import type { TaskRepository, WebhookDeliveryRepository } from '@agent-orchestrator/persistence';
import type { WebhookQueue } from '../ports/webhook.port';
import type { WebhookOutbox } from './webhook-outbox';

/** The Redis lease key of the sweep (one worker runs it at a time). */
export const WEBHOOK_SWEEP_LOCK_KEY = 'ao:webhooks:sweep';

/**
 * How old a task's webhook marker must be before the sweep records its delivery: the process that
 * ended the task records it milliseconds after the ending, so an older marker means that process
 * died (or its write failed) in between. Recording it twice would be harmless (same id), just wasted.
 */
export const WEBHOOK_MARKER_GRACE_MS = 10_000;

export interface WebhookSweepDeps {
  deliveries: Pick<WebhookDeliveryRepository, 'listDue'>;
  /** The tasks whose ending's delivery is not recorded yet (their webhook marker is set). */
  tasks: Pick<TaskRepository, 'listWebhookPending'>;
  /** Records a marked task's delivery exactly as the ending's own process would have. */
  outbox: Pick<WebhookOutbox, 'record'>;
  queue: WebhookQueue;
  batchSize: number;
  /** Default WEBHOOK_MARKER_GRACE_MS. */
  markerGraceMs?: number;
  now?: () => Date;
}

/**
 * Two passes, each bounded by an index:
 * 1. Tasks whose webhook marker is older than the grace period (a process died between the task's
 *    ending and recording its delivery): their delivery is recorded (same id and body as the ending's
 *    process would have written, the task as GET /v1/tasks/{task_id} shows it) and the marker cleared.
 * 2. Every pending delivery that is due gets a job for its next attempt: the ones recorded by the api
 *    (a queued task cancelled there) or by pass 1, and any whose job was lost (a worker killed between
 *    recording a delivery or an attempt and scheduling the next, Redis flushed). Jobs are keyed by
 *    delivery and attempt, so scheduling one that exists (waiting, delayed, running) adds nothing.
 */
export class WebhookSweep {
  private readonly now: () => Date;

  constructor(private readonly deps: WebhookSweepDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async runOnce(): Promise<{ recovered: number; scheduled: number }> {
    const now = this.now();
    const marked = await this.deps.tasks.listWebhookPending(new Date(now.getTime() - (this.deps.markerGraceMs ?? WEBHOOK_MARKER_GRACE_MS)), this.deps.batchSize);
    for (const task of marked) await this.deps.outbox.record(task);
    const due = await this.deps.deliveries.listDue(now, this.deps.batchSize);
    for (const d of due) await this.deps.queue.schedule(d.webhook_id, d.attempts.length + 1, 0);
    return { recovered: marked.length, scheduled: due.length };
  }
}
