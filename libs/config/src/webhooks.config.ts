/**
 * Webhooks on completion (docs/webhooks.md). The api checks callback URLs at submit and refuses a
 * callback nobody could sign; the worker signs and delivers. Both read the signing secrets the same
 * way: a key's own `webhook_secret` in API_KEYS, else WEBHOOK_SECRET.
 */
import type { ApiKeyConfig } from './api-keys.config';
import { webhookSecret } from './api-keys.config';
import type { EnvReader } from './env-reader';

/** What both apps know of each key's callbacks, by key id. Secrets are never logged. */
export interface WebhookKeyConfig {
  webhookSecret?: string;
  callbackUrl?: string;
}

export interface WebhookSubmitConfig {
  /** WEBHOOK_ALLOW_HTTP: http:// callback URLs accepted (development); https only otherwise. Refused in production. */
  allowHttp: boolean;
  /** WEBHOOK_SECRET: signs the callbacks of keys without their own secret and of an open deployment. */
  defaultSecret: string | undefined;
  /** API_KEYS' webhook_secret and callback_url, by key id. */
  keys: Map<string, WebhookKeyConfig>;
}

export interface WebhookDeliveryConfig extends WebhookSubmitConfig {
  /** WEBHOOK_ALLOW_PRIVATE_ADDRESSES: callbacks may reach loopback, private, link-local... addresses (development and tests only). */
  allowPrivateAddresses: boolean;
  connectTimeoutMs: number;
  timeoutMs: number;
  /** First delay after a retryable failure, and the floor of every delay. */
  backoffBaseMs: number;
  /** Largest delay between two attempts. */
  backoffMaxMs: number;
  /** How long after the task ended attempts are still made (24 h by default); then the delivery fails. */
  maxAgeMs: number;
  /** How often the sweep gives due deliveries without a job one. */
  sweepIntervalMs: number;
  /** Attempts one worker makes at the same time. */
  concurrency: number;
}

/** A deployed production: APP_ENV `production` or `prod` (what the AWS stack sets). */
const isProduction = (environment: string): boolean => environment === 'production' || environment === 'prod';

function keyMap(keys: readonly ApiKeyConfig[]): Map<string, WebhookKeyConfig> {
  return new Map(
    keys.map((k) => [
      k.id,
      { ...(k.webhookSecret === undefined ? {} : { webhookSecret: k.webhookSecret }), ...(k.callbackUrl === undefined ? {} : { callbackUrl: k.callbackUrl }) },
    ]),
  );
}

export function webhookSubmitConfig(r: EnvReader, keys: readonly ApiKeyConfig[], environment: string): WebhookSubmitConfig {
  const allowHttp = r.bool('WEBHOOK_ALLOW_HTTP', false);
  if (allowHttp && isProduction(environment)) {
    r.problems.push({
      field: 'WEBHOOK_ALLOW_HTTP',
      message: 'WEBHOOK_ALLOW_HTTP must not be true in production: callbacks carry task results and must use https',
    });
  }
  return { allowHttp, defaultSecret: webhookSecret(r), keys: keyMap(keys) };
}

export function webhookDeliveryConfig(r: EnvReader, keys: readonly ApiKeyConfig[], environment: string): WebhookDeliveryConfig {
  const allowPrivateAddresses = r.bool('WEBHOOK_ALLOW_PRIVATE_ADDRESSES', false);
  if (allowPrivateAddresses && isProduction(environment)) {
    r.problems.push({
      field: 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES',
      message: 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES must not be true in production: callbacks could reach internal services',
    });
  }
  const config: WebhookDeliveryConfig = {
    ...webhookSubmitConfig(r, keys, environment),
    allowPrivateAddresses,
    connectTimeoutMs: r.int('WEBHOOK_CONNECT_TIMEOUT_MS', 5000, 10, 60_000),
    timeoutMs: r.int('WEBHOOK_TIMEOUT_MS', 10_000, 10, 120_000),
    backoffBaseMs: r.int('WEBHOOK_BACKOFF_BASE_MS', 5000, 1, 3_600_000),
    backoffMaxMs: r.int('WEBHOOK_BACKOFF_MAX_MS', 3_600_000, 1, 86_400_000),
    maxAgeMs: r.int('WEBHOOK_MAX_AGE_MS', 86_400_000, 1000, 7 * 86_400_000),
    sweepIntervalMs: r.int('WEBHOOK_SWEEP_INTERVAL_MS', 5000, 100, 3_600_000),
    concurrency: r.int('WEBHOOK_CONCURRENCY', 16, 1, 256),
  };
  if (config.timeoutMs < config.connectTimeoutMs)
    r.problems.push({
      field: 'WEBHOOK_TIMEOUT_MS',
      message: `WEBHOOK_TIMEOUT_MS (${config.timeoutMs}) must be at least WEBHOOK_CONNECT_TIMEOUT_MS (${config.connectTimeoutMs})`,
    });
  if (config.backoffMaxMs < config.backoffBaseMs)
    r.problems.push({
      field: 'WEBHOOK_BACKOFF_MAX_MS',
      message: `WEBHOOK_BACKOFF_MAX_MS (${config.backoffMaxMs}) must be at least WEBHOOK_BACKOFF_BASE_MS (${config.backoffBaseMs})`,
    });
  return config;
}
