import { ConfigError } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';
import { loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://localhost:27017', REDIS_URL: 'redis://localhost:6379' };
const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const KEY_SECRET = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const KEYS = JSON.stringify([
  { id: 'a', secret: 'a-secret-0123456789abc', tenant: 't', scopes: ['admin'], webhook_secret: KEY_SECRET, callback_url: 'https://a.example.com/hook' },
  { id: 'b', secret: 'b-secret-0123456789abc', tenant: 't', scopes: ['tasks:submit'] },
]);

function problems(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loaded');
}

describe('webhook settings', () => {
  it('api: https only, no secret, no key by default', () => {
    expect(loadApiConfig(base).webhooks).toEqual({ allowHttp: false, defaultSecret: undefined, keys: new Map() });
  });

  it("api and worker read the same secrets: WEBHOOK_SECRET and each key's webhook_secret and callback_url, by key id", () => {
    const env = { ...base, API_KEYS: KEYS, WEBHOOK_SECRET: SECRET };
    for (const webhooks of [loadApiConfig(env).webhooks, loadWorkerConfig(env).webhooks]) {
      expect(webhooks.defaultSecret).toBe(SECRET);
      expect(webhooks.keys.get('a')).toEqual({ webhookSecret: KEY_SECRET, callbackUrl: 'https://a.example.com/hook' });
      expect(webhooks.keys.get('b')).toEqual({});
    }
  });

  it('worker: short timeouts, 24 h of retries from a 5 s base, private addresses refused, by default', () => {
    expect(loadWorkerConfig(base).webhooks).toMatchObject({
      allowPrivateAddresses: false,
      connectTimeoutMs: 5000,
      timeoutMs: 10_000,
      backoffBaseMs: 5000,
      backoffMaxMs: 3_600_000,
      maxAgeMs: 86_400_000,
      sweepIntervalMs: 5000,
      concurrency: 16,
    });
    const tuned = loadWorkerConfig({ ...base, WEBHOOK_BACKOFF_BASE_MS: '10', WEBHOOK_BACKOFF_MAX_MS: '50', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }).webhooks;
    expect(tuned).toMatchObject({ backoffBaseMs: 10, backoffMaxMs: 50, allowPrivateAddresses: true });
  });

  it('refuses a malformed WEBHOOK_SECRET without echoing it, and inconsistent timeouts', () => {
    const message = problems(() => loadWorkerConfig({ ...base, WEBHOOK_SECRET: 'whsec_short' }));
    expect(message).toMatch(/WEBHOOK_SECRET must be a Standard Webhooks secret/);
    expect(message).not.toContain('whsec_short');
    expect(problems(() => loadWorkerConfig({ ...base, WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_CONNECT_TIMEOUT_MS: '2000' }))).toMatch(
      /WEBHOOK_TIMEOUT_MS \(1000\) must be at least WEBHOOK_CONNECT_TIMEOUT_MS/,
    );
    expect(problems(() => loadWorkerConfig({ ...base, WEBHOOK_BACKOFF_BASE_MS: '100', WEBHOOK_BACKOFF_MAX_MS: '50' }))).toMatch(/WEBHOOK_BACKOFF_MAX_MS/);
  });

  it('refuses http callbacks and private addresses in production', () => {
    expect(problems(() => loadApiConfig({ ...base, APP_ENV: 'production', WEBHOOK_ALLOW_HTTP: 'true' }))).toMatch(
      /WEBHOOK_ALLOW_HTTP must not be true in production/,
    );
    expect(problems(() => loadWorkerConfig({ ...base, APP_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }))).toMatch(
      /WEBHOOK_ALLOW_PRIVATE_ADDRESSES must not be true in production/,
    );
    expect(problems(() => loadWorkerConfig({ ...base, APP_ENV: 'prod', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }))).toMatch(/must not be true in production/);
    expect(loadApiConfig({ ...base, APP_ENV: 'development', WEBHOOK_ALLOW_HTTP: 'true' }).webhooks.allowHttp).toBe(true);
  });
});
