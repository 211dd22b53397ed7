import { ConfigError, DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { DEFAULT_AGENTS, loadApiConfig, loadWorkerConfig } from './config';

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
