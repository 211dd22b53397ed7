/** What the webhook use cases need from the outside: a delayed job queue and an HTTP sender. */

/** Delayed jobs, one per attempt of a delivery (the Bull adapter: messaging's BullWebhookQueue). */
export interface WebhookQueue {
  /**
   * Schedules attempt `attempt` (1-based) of delivery `webhookId` in `delayMs`. The job id is
   * derived from both, so scheduling the same attempt twice (the sweep and the worker) makes one job.
   */
  schedule(webhookId: string, attempt: number, delayMs: number): Promise<void>;
}

/** A job: attempt `attempt` (1-based) of delivery `webhook_id`. */
export interface WebhookJob {
  webhook_id: string;
  attempt: number;
}

export interface WebhookConsumer {
  consume(handler: (job: WebhookJob) => Promise<unknown>, options: { concurrency: number }): Promise<void>;
}

/** One POST to a callback URL. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came of it. */
export interface WebhookResponse {
  /** The receiver's status, null when no response came. */
  status_code: number | null;
  duration_ms: number;
  /** Why no response came (network error, timeout, refused address), null when one did. */
  error: string | null;
  /** The first bytes of the response body (at most WEBHOOK_RESPONSE_PREFIX_BYTES), as text. */
  response_prefix: string | null;
  /** `Retry-After` of the response, as sent. */
  retry_after?: string;
  /** True when the request was never made because the address is not allowed: never retried. */
  refused?: boolean;
}

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}

/** Figures of the deliveries, for Prometheus (observability's WebhookMetrics has this shape). */
export interface WebhookObserver {
  /** One attempt: `result` is `success`, `http_4xx`, `http_5xx`, `http_429`, `http_other`, `network`, `timeout` or `refused`. */
  attempt(result: string, durationMs: number): void;
  /** A delivery is over: `delivered` or `failed`. */
  finished(outcome: 'delivered' | 'failed'): void;
}
