/**
 * Signing per the Standard Webhooks specification (https://www.standardwebhooks.com): the content
 * signed is `${webhook-id}.${webhook-timestamp}.${body}`, with HMAC-SHA256 under the secret's key
 * (the base64 after `whsec_`), sent as `webhook-signature: v1,<base64 of the MAC>`. Any verifier of
 * the specification (the `standardwebhooks` packages, Svix's libraries) checks it.
 */
import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';

/** The key bytes of a `whsec_<base64>` secret. */
export function webhookSecretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/** `v1,<base64 HMAC-SHA256>` of one message. `timestamp`: unix seconds of this attempt. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', webhookSecretKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export const USER_AGENT = 'agent-orchestrator-webhooks/1';

/** The headers of one attempt: the three Standard Webhooks headers, content type and user agent. */
export function webhookHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}
