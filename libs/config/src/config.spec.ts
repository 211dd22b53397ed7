import { createHash } from 'node:crypto';
import { ConfigError, DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';
import { DEFAULT_AGENTS, loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadApiConfig', () => {
  it('applies documented defaults', () => {
    const c = loadApiConfig(base);
    expect(c).toMatchObject({ port: 3000, taskMaxLength: 20_000, rateLimitPerMinute: 60, corsOrigins: [], logLevel: 'info', trustProxy: false });
    expect(c.mongo).toEqual({ uri: base.MONGO_URI, dbName: 'agent_orchestrator', serverSelectionTimeoutMs: 5000 });
    expect(c.bodyLimitBytes).toBeGreaterThanOrEqual(20_000 * 4);
  });

  it('lists every problem in one error', () => {
    let error: unknown;
    try {
      loadApiConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'http://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.details?.map((d) => d.field).sort()).toEqual(['LOG_LEVEL', 'MONGO_URI', 'PORT', 'REDIS_URL']);
    expect(e.message).toContain('MONGO_URI is required');
    expect(e.message).toContain('PORT must be an integer');
  });

  it('parses lists and proxy settings', () => {
    const c = loadApiConfig({ ...base, CORS_ORIGINS: 'https://a.example, https://b.example', TRUST_PROXY: '1' });
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.trustProxy).toBe(1);
  });
});

describe('loadApiConfig: protection settings', () => {
  const sha256 = (v: string) => createHash('sha256').update(v, 'utf8').digest('hex');
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadApiConfig({ ...base, ...env });
    } catch (err) {
      return ((err as ConfigError).details ?? []).map((d) => d.message);
    }
    return [];
  };

  it('defaults to no API keys and a 500 ms rate-limit Redis timeout', () => {
    expect(loadApiConfig(base)).toMatchObject({ apiKeys: [], rateLimitRedisTimeoutMs: 500 });
  });

  it('reads API_KEYS in plain and hashed form, keeping only digests', () => {
    const digest = sha256('ci-secret-0123456789');
    const c = loadApiConfig({ ...base, API_KEYS: ` dashboard:dash-secret-0123456789 , ci:sha256:${digest.toUpperCase()} ` });
    expect(c.apiKeys).toEqual([
      { id: 'dashboard', sha256: sha256('dash-secret-0123456789'), tenant: 'default', scopes: ['admin'] },
      { id: 'ci', sha256: digest, tenant: 'default', scopes: ['admin'] },
    ]);
    expect(JSON.stringify(c)).not.toContain('dash-secret-0123456789');
  });

  it('keeps colons inside a secret', () => {
    expect(loadApiConfig({ ...base, API_KEYS: 'k:abc:def:0123456789xyz' }).apiKeys).toEqual([
      { id: 'k', sha256: sha256('abc:def:0123456789xyz'), tenant: 'default', scopes: ['admin'] },
    ]);
  });

  it.each([
    ['no colon', 'justasecret0123456789', /entry 1 must be "id:secret"/],
    ['an empty id', ':secret-0123456789abc', /entry 1 must be "id:secret"/],
    ['a bad id', 'my key:secret-0123456789abc', /entry 1 must be "id:secret"/],
    ['a short secret', 'k:short', /entry 1 \(id "k"\) needs a secret of at least 16/],
    ['a bad digest', 'k:sha256:abc', /entry 1 \(id "k"\) must give the digest as 64 hex/],
    ['a duplicate id', 'k:secret-0123456789abc,k:other-0123456789abc', /entry 2: the id "k" is used twice/],
    ['a shared secret', 'a:secret-0123456789abc,b:secret-0123456789abc', /entry 2 \(id "b"\) has the same secret/],
  ])('rejects API_KEYS with %s, without echoing secrets', (_name, value, message) => {
    const found = problems({ API_KEYS: value });
    expect(found).toEqual([expect.stringMatching(message)]);
    expect(found.join()).not.toMatch(/secret-0123456789abc|short|justasecret/);
  });

  describe('the JSON form', () => {
    const whsec = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const json = (...entries: object[]) => JSON.stringify(entries);

    it('reads tenant, scopes, webhook secret and default callback, keeping only digests', () => {
      const digest = sha256('beta-secret-0123456789');
      const c = loadApiConfig({
        ...base,
        API_KEYS: json(
          { id: 'acme-web', secret: 'acme-secret-0123456789', tenant: 'acme', scopes: ['tasks:submit', 'tasks:read', 'tasks:read'], webhook_secret: whsec, callback_url: 'https://hooks.acme.example/ao' },
          { id: 'beta-ops', secret_sha256: digest.toUpperCase(), tenant: 'beta', scopes: ['admin'] },
        ),
      });
      expect(c.apiKeys).toEqual([
        { id: 'acme-web', sha256: sha256('acme-secret-0123456789'), tenant: 'acme', scopes: ['tasks:submit', 'tasks:read'], webhookSecret: whsec, callbackUrl: 'https://hooks.acme.example/ao' },
        { id: 'beta-ops', sha256: digest, tenant: 'beta', scopes: ['admin'] },
      ]);
      expect(JSON.stringify(c)).not.toContain('acme-secret-0123456789');
    });

    it.each([
      ['invalid JSON (without quoting it)', '[{"id":"k","secret":"leaky-secret-0123456789"', /not valid JSON/],
      ['a non-object entry', '["k:leaky-secret-0123456789"]', /entry 1 must be an object/],
      ['a missing tenant', json({ id: 'k', secret: 'leaky-secret-0123456789', scopes: ['admin'] }), /entry 1 \(id "k"\) needs a "tenant"/],
      ['no scopes', json({ id: 'k', secret: 'leaky-secret-0123456789', tenant: 't', scopes: [] }), /needs "scopes"/],
      ['an unknown scope', json({ id: 'k', secret: 'leaky-secret-0123456789', tenant: 't', scopes: ['root'] }), /unknown scope\(s\) "root"/],
      ['an unknown field', json({ id: 'k', secret: 'leaky-secret-0123456789', tenant: 't', scopes: ['admin'], tenent: 'x' }), /unknown field\(s\) "tenent"/],
      ['both secret forms', json({ id: 'k', secret: 'leaky-secret-0123456789', secret_sha256: 'ab', tenant: 't', scopes: ['admin'] }), /not both/],
      ['a short secret', json({ id: 'k', secret: 'leaky', tenant: 't', scopes: ['admin'] }), /needs a "secret"/],
      ['a bad webhook secret', json({ id: 'k', secret: 'leaky-secret-0123456789', tenant: 't', scopes: ['admin'], webhook_secret: 'whsec_c2hvcnQ=' }), /"webhook_secret" as a Standard Webhooks secret/],
      ['a callback with credentials', json({ id: 'k', secret: 'leaky-secret-0123456789', tenant: 't', scopes: ['admin'], callback_url: 'https://u:p@x.example/' }), /"callback_url" as an http\(s\) URL/],
      ['a reused id', json({ id: 'k', secret: 'leaky-secret-0123456789', tenant: 't', scopes: ['admin'] }, { id: 'k', secret: 'other-secret-0123456789', tenant: 'u', scopes: ['admin'] }), /entry 2: the id "k" is used twice/],
    ])('rejects %s, without echoing secrets', (_name, value, message) => {
      const found = problems({ API_KEYS: value });
      expect(found).toEqual([expect.stringMatching(message)]);
      expect(found.join()).not.toMatch(/leaky|other-secret/);
    });
  });

  it('normalises CORS origins the way browsers send them', () => {
    const c = loadApiConfig({ ...base, CORS_ORIGINS: 'https://App.Example.com/, http://localhost:5173, https://x.example:443, https://app.example.com' });
    expect(c.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173', 'https://x.example']);
  });

  it.each(['*', 'app.example.com', 'https://app.example.com/path', 'ftp://files.example', 'https://*.example.com', 'https://u:p@app.example.com'])(
    'rejects the CORS origin %s',
    (origin) => {
      expect(problems({ CORS_ORIGINS: origin })).toEqual([expect.stringContaining('CORS_ORIGINS must list exact origins')]);
    },
  );

  it('validates RATE_LIMIT_REDIS_TIMEOUT_MS', () => {
    expect(loadApiConfig({ ...base, RATE_LIMIT_REDIS_TIMEOUT_MS: '250' }).rateLimitRedisTimeoutMs).toBe(250);
    expect(problems({ RATE_LIMIT_REDIS_TIMEOUT_MS: '0' })).toEqual([expect.stringContaining('RATE_LIMIT_REDIS_TIMEOUT_MS')]);
  });
});

describe('loadWorkerConfig', () => {
  it('defaults to both agents and no LLM key', () => {
    const c = loadWorkerConfig(base);
    expect(c.agents).toEqual(DEFAULT_AGENTS);
    expect(c.llm.apiKey).toBeUndefined();
    expect(c.llm.prices).toBe(DEFAULT_PRICE_TABLE);
    expect(c.routerMinConfidence).toBe(0.5);
  });

  it('merges price overrides and rejects bad ones', () => {
    const c = loadWorkerConfig({ ...base, LLM_PRICES: '{"my-model":{"input_per_million":1,"output_per_million":2}}' });
    expect(c.llm.prices['my-model']).toEqual({ input_per_million: 1, output_per_million: 2 });
    expect(c.llm.prices['gpt-4o-mini']).toBeDefined();
    expect(() => loadWorkerConfig({ ...base, LLM_PRICES: '{"m":{"input_per_million":-1}}' })).toThrow(/LLM_PRICES/);
  });

  it('validates ranges', () => {
    expect(() => loadWorkerConfig({ ...base, ROUTER_MIN_CONFIDENCE: '1.5' })).toThrow(/ROUTER_MIN_CONFIDENCE/);
    expect(() => loadWorkerConfig({ ...base, OPENAI_BASE_URL: 'not a url' })).toThrow(/OPENAI_BASE_URL/);
  });
});
