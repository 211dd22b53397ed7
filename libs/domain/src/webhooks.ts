/**
 * Webhooks on completion: when a task that carries a `callback_url` ends (completed, failed,
 * cancelled), the system POSTs the final task there, signed the Standard Webhooks way. Each such
 * ending is one delivery (one message, one stable `webhook-id`), tried until it succeeds, is refused
 * for good, or runs out of time; every try is an attempt, kept on the delivery.
 */

/** Names shared by the producer and the consumer of webhook jobs. */
export const WEBHOOK_QUEUE_NAME = 'webhook_deliveries';
export const DELIVER_WEBHOOK_JOB = 'deliver_webhook';

export interface DeliverWebhookJob {
  webhook_id: string;
}

/** Longest `callback_url` accepted. */
export const CALLBACK_URL_MAX_LENGTH = 2048;
const LABEL = '[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const PORT = '(?::(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?';
/** A DNS name whose last label starts with a letter (no `--`, so no punycode), or a dotted IPv4 address. */
const HOST = `(?:(?:${LABEL}\\.)*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|(?:${OCTET}\\.){3}${OCTET})`;

/**
 * The form of an accepted callback URL, stated in the OpenAPI document and enforced at submit:
 * `https://` (or `http://` when the deployment allows it), a host name or IPv4 address, an optional
 * port, then an optional path and query of printable ASCII without spaces; no credentials
 * (`user@`), no fragment (`#`). IPv6 literals and internationalised (punycode) host names are not
 * accepted. Every string it matches is a URL WHATWG parsers accept.
 */
export function callbackUrlPattern(allowHttp: boolean): RegExp {
  return new RegExp(`^${allowHttp ? 'https?' : 'https'}://${HOST}${PORT}(?:[/?][!-"$-~]*)?$`);
}

/** Bytes of a receiver's response body kept on an attempt (the rest is read and dropped). */
export const WEBHOOK_RESPONSE_PREFIX_BYTES = 256;

/** `pending`: more attempts will be made; `delivered`: a 2xx came back; `failed`: given up. */
export const WEBHOOK_DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryState = (typeof WEBHOOK_DELIVERY_STATES)[number];

/** One HTTP try of a delivery. */
export interface WebhookAttempt {
  /** When the request started. */
  at: Date;
  /** The receiver's status, null when no response came (network error, timeout, refused address). */
  status_code: number | null;
  duration_ms: number;
  /** Why the attempt did not succeed, null for a 2xx. */
  error: string | null;
  /** The first bytes (at most WEBHOOK_RESPONSE_PREFIX_BYTES) of the response body, as UTF-8 text. */
  response_prefix: string | null;
}

/** One message to a callback URL: a task's ending. `webhook_id` is its `webhook-id` header. */
export interface WebhookDelivery {
  webhook_id: string;
  task_id: string;
  /** The terminal status this message announces. */
  event: 'task.completed' | 'task.failed' | 'task.cancelled';
  url: string;
  /** Key whose signing secret signs it (the secret itself is never stored); absent for an open deployment. */
  api_key_id: string | null;
  /** The exact body sent on every attempt: the final task as JSON (what `GET /v1/tasks/{id}` returns). */
  body: string;
  state: WebhookDeliveryState;
  created_at: Date;
  updated_at: Date;
  /** When the next attempt is due (pending), null once the delivery is over. */
  next_attempt_at: Date | null;
  attempts: WebhookAttempt[];
}

/** The webhook event of a terminal status. */
export function webhookEventOf(status: string): WebhookDelivery['event'] | null {
  if (status === 'completed') return 'task.completed';
  if (status === 'failed') return 'task.failed';
  if (status === 'cancelled') return 'task.cancelled';
  return null;
}

/**
 * The stable id of a task's ending: the task id and how many times it had ended before (its
 * retries), so a retried task's next ending is a new message while redoing the same ending is not.
 * Fits the Standard Webhooks id alphabet (`msg_` + letters, digits, `_`, `-`).
 */
export function webhookIdOf(task: { task_id: string; retries: readonly unknown[] }): string {
  return `msg_${task.task_id.replace(/-/g, '')}_${task.retries.length}`;
}
