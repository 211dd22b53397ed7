import { ValidationError } from '@agent-orchestrator/domain';
import { checkCallbackUrl } from './callback-url';

/** What a key's configuration says about callbacks (API_KEYS' `webhook_secret`, `callback_url`). */
export interface CallbackKey {
  webhookSecret?: string;
  callbackUrl?: string;
}

export interface WebhookSecretsOptions {
  /** Keys by id (API_KEYS): their own signing secret and default callback. */
  keys: ReadonlyMap<string, CallbackKey>;
  /** WEBHOOK_SECRET: for keys without their own, and for an open deployment (no key). */
  defaultSecret?: string;
}

/** The signing secret of a key's callbacks (or of the open deployment's, `apiKeyId` null), if any. */
export function webhookSecretFor(options: WebhookSecretsOptions, apiKeyId: string | null | undefined): string | undefined {
  const own = apiKeyId ? options.keys.get(apiKeyId)?.webhookSecret : undefined;
  return own ?? options.defaultSecret;
}

/**
 * Which callback URL a submitted task gets: the one in the body (checked: checkCallbackUrl), else
 * its key's default, else none. A callback without a signing secret for its key is refused (400)
 * with what to configure, so no task is accepted whose webhook could never be signed.
 */
export class CallbackPolicy {
  constructor(private readonly options: WebhookSecretsOptions & { allowHttp: boolean }) {}

  /** @throws ValidationError (field `callback_url`) */
  resolve(explicit: unknown, apiKeyId: string | undefined): string | null {
    const key = apiKeyId ? this.options.keys.get(apiKeyId) : undefined;
    let url: string | null = null;
    if (explicit !== undefined) {
      url = checkCallbackUrl(explicit, this.options);
    } else if (key?.callbackUrl) {
      try {
        url = checkCallbackUrl(key.callbackUrl, this.options);
      } catch (err) {
        const message = `The default callback_url of API key "${apiKeyId}" is not accepted: ${(err as Error).message}. Fix it in API_KEYS or send a callback_url.`;
        throw new ValidationError(message, [{ field: 'callback_url', message }]);
      }
    }
    if (url === null) return null;
    if (webhookSecretFor(this.options, apiKeyId) === undefined) {
      const where = apiKeyId ? `a "webhook_secret" for API key "${apiKeyId}" in API_KEYS, or WEBHOOK_SECRET` : 'WEBHOOK_SECRET';
      const message = `callback_url cannot be used: no webhook signing secret is configured. Set ${where} (a "whsec_" Standard Webhooks secret) on the api and the worker.`;
      throw new ValidationError(message, [{ field: 'callback_url', message: 'no signing secret configured' }]);
    }
    return url;
  }
}
