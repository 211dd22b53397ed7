import type { WebhookAttempt, WebhookDelivery } from '@agent-orchestrator/domain';
import type { WebhookDeliveryMove, WebhookDeliveryRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import type { WebhookJob, WebhookObserver, WebhookQueue, WebhookResponse, WebhookSender } from '../ports/webhook.port';
import { nextAttemptAt, parseRetryAfter, type BackoffPolicy } from './backoff';
import { webhookSecretFor, type WebhookSecretsOptions } from './callback-policy';
import { webhookHeaders } from './signature';

export interface DeliverWebhookDeps {
  deliveries: Pick<WebhookDeliveryRepository, 'findById' | 'recordAttempt'>;
  queue: WebhookQueue;
  sender: WebhookSender;
  /** Signing secrets by key (API_KEYS' webhook_secret) and WEBHOOK_SECRET. */
  secrets: WebhookSecretsOptions;
  backoff: BackoffPolicy;
  logger: Logger;
  observer?: WebhookObserver;
  now?: () => Date;
  random?: () => number;
}

/** What an attempt's response means. */
export type AttemptVerdict = 'success' | 'retry' | 'give_up';

/**
 * 2xx succeeds. Retried: no response (network error, timeout), 5xx and 429 (and a missing signing
 * secret, which a configuration fix on the worker cures). Given up: a refused address, any other
 * 4xx (410 Gone in particular: the receiver does not want it), and 1xx/3xx (redirects are not followed).
 */
export function verdictOf(response: Pick<WebhookResponse, 'status_code' | 'refused'>): AttemptVerdict {
  const status = response.status_code;
  if (response.refused) return 'give_up';
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'success';
  if (status === 429 || status >= 500) return 'retry';
  return 'give_up';
}

/** The `result` label of an attempt's metric. */
export function attemptResult(response: WebhookResponse): string {
  const status = response.status_code;
  if (response.refused) return 'refused';
  if (status === null) return response.error?.startsWith('timeout') ? 'timeout' : response.error?.startsWith('no signing secret') ? 'no_secret' : 'network';
  if (status >= 200 && status < 300) return 'success';
  if (status === 429) return 'http_429';
  if (status >= 500 && status < 600) return 'http_5xx';
  if (status >= 400 && status < 500) return 'http_4xx';
  return 'http_other';
}

/**
 * One attempt of a webhook delivery (the job `{webhook_id, attempt}`): reads the delivery, signs the
 * stored body with this attempt's timestamp, POSTs it, records the attempt and where the delivery
 * goes (delivered, failed, or pending with the next attempt's time), then schedules that attempt.
 * A job whose attempt is not the delivery's next (already made by another runner, or the delivery
 * is over) does nothing, so duplicate jobs never send twice the same attempt... except when a
 * runner dies mid-request: the job is then run again, and the receiver may see the same
 * `webhook-id` twice (at-least-once).
 */
export class DeliverWebhook {
  private readonly now: () => Date;

  constructor(private readonly deps: DeliverWebhookDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async run(job: WebhookJob): Promise<'delivered' | 'failed' | 'pending' | 'skipped'> {
    const delivery = await this.deps.deliveries.findById(job.webhook_id);
    if (!delivery || delivery.state !== 'pending') return 'skipped';
    const number = delivery.attempts.length + 1;
    if (job.attempt !== number) return 'skipped';
    const startedAt = this.now();
    const response = await this.attempt(delivery, startedAt);
    const verdict = verdictOf(response);
    const finishedAt = this.now();
    let move: WebhookDeliveryMove;
    if (verdict === 'success') move = { state: 'delivered' };
    else if (verdict === 'give_up') move = { state: 'failed' };
    else {
      const next = nextAttemptAt(
        { createdAt: delivery.created_at, now: finishedAt, attempt: number, retryAfterMs: parseRetryAfter(response.retry_after, finishedAt) },
        this.deps.backoff,
        this.deps.random,
      );
      move = next === null ? { state: 'failed' } : { state: 'pending', next_attempt_at: next };
    }
    const attempt: WebhookAttempt = {
      at: startedAt,
      status_code: response.status_code,
      duration_ms: response.duration_ms,
      error: response.error,
      response_prefix: response.response_prefix,
    };
    const recorded = await this.deps.deliveries.recordAttempt(delivery.webhook_id, delivery.attempts.length, attempt, move, finishedAt);
    const result = attemptResult(response);
    this.deps.observer?.attempt(result, response.duration_ms);
    const log = this.deps.logger;
    const fields = {
      task_id: delivery.task_id,
      webhook_id: delivery.webhook_id,
      attempt: number,
      status_code: response.status_code,
      duration_ms: response.duration_ms,
      result,
      ...(response.error ? { error_message: response.error } : {}),
      next_state: move.state,
      ...(move.state === 'pending' ? { next_attempt_at: move.next_attempt_at.toISOString() } : {}),
    };
    if (verdict === 'success') log.info('webhook delivered', fields);
    else log.warn(move.state === 'pending' ? 'webhook attempt failed; will retry' : 'webhook delivery failed; no more attempts', fields);
    if (!recorded) return 'skipped';
    if (move.state !== 'pending') {
      this.deps.observer?.finished(move.state);
      return move.state;
    }
    await this.deps.queue.schedule(delivery.webhook_id, number + 1, Math.max(0, move.next_attempt_at.getTime() - finishedAt.getTime())).catch((err: Error) => {
      log.warn('next webhook attempt not scheduled; the sweep will', { webhook_id: delivery.webhook_id, error_message: err.message });
    });
    return 'pending';
  }

  private async attempt(delivery: WebhookDelivery, at: Date): Promise<WebhookResponse> {
    const secret = webhookSecretFor(this.deps.secrets, delivery.api_key_id);
    if (secret === undefined) {
      const key = delivery.api_key_id ? `API key "${delivery.api_key_id}"` : 'the open deployment';
      return {
        status_code: null,
        duration_ms: 0,
        error: `no signing secret for ${key} on the worker (API_KEYS webhook_secret or WEBHOOK_SECRET)`,
        response_prefix: null,
      };
    }
    const timestamp = Math.floor(at.getTime() / 1000);
    return this.deps.sender.send({ url: delivery.url, headers: webhookHeaders(secret, delivery.webhook_id, timestamp, delivery.body), body: delivery.body });
  }
}
