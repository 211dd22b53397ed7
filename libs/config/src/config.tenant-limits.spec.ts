import { ConfigError } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';

const base = { MONGO_URI: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379' };

function problems(env: Record<string, string>): string[] {
  try {
    loadApiConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return ((err as ConfigError).details ?? []).map((d) => `${d.field}: ${d.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('loadApiConfig: TENANT_LIMITS', () => {
  it('unset: every tenant gets API_RATE_LIMIT_PER_MINUTE and no other limit', () => {
    const config = loadApiConfig({ ...base, API_RATE_LIMIT_PER_MINUTE: '42' });
    expect(config.tenantLimits.of('acme')).toEqual({ requestsPerMinute: 42 });
    expect(config.tenantLimits.named).toEqual([]);
  });

  it('a tenant entry wins field by field over "*", which wins over the defaults; 0 switches a limit off', () => {
    const config = loadApiConfig({
      ...base,
      API_RATE_LIMIT_PER_MINUTE: '60',
      TENANT_LIMITS: JSON.stringify({
        '*': { requests_per_minute: 120, max_tasks_in_flight: 10, daily_tokens: 1000 },
        acme: { max_tasks_in_flight: 50, daily_cost_usd: 2.5 },
        'free.tier': { daily_tokens: 0, requests_per_minute: 0 },
      }),
    });
    expect(config.tenantLimits.of('acme')).toEqual({ requestsPerMinute: 120, maxTasksInFlight: 50, dailyTokens: 1000, dailyCostUsd: 2.5 });
    expect(config.tenantLimits.of('globex')).toEqual({ requestsPerMinute: 120, maxTasksInFlight: 10, dailyTokens: 1000 });
    expect(config.tenantLimits.of('free.tier')).toEqual({ requestsPerMinute: 0, maxTasksInFlight: 10 });
    expect(config.tenantLimits.named).toEqual(['acme', 'free.tier']);
  });

  it.each([
    ['not JSON', '{acme', 'must be a JSON object'],
    ['an array', '[]', 'must be a JSON object'],
    ['a bad tenant id', JSON.stringify({ 'a:b': {} }), 'is not a tenant id'],
    ['an entry that is not an object', JSON.stringify({ acme: 5 }), 'TENANT_LIMITS["acme"] must be an object'],
    ['an unknown field', JSON.stringify({ acme: { max_tasks: 5 } }), 'unknown field "max_tasks"'],
    ['a negative number', JSON.stringify({ '*': { daily_cost_usd: -1 } }), 'TENANT_LIMITS["*"].daily_cost_usd must be a number from 0'],
    ['a fraction where an integer is needed', JSON.stringify({ acme: { max_tasks_in_flight: 1.5 } }), 'max_tasks_in_flight must be an integer'],
    ['a string number', JSON.stringify({ acme: { requests_per_minute: '10' } }), 'requests_per_minute must be an integer'],
  ])('refuses %s at boot, naming the variable', (_name, value, message) => {
    const found = problems({ TENANT_LIMITS: value });
    expect(found).toEqual([expect.stringContaining(message)]);
    expect(found[0]).toMatch(/^TENANT_LIMITS: /);
  });

  it('refuses a daily_cost_usd cap while a configured model has no price (the day cost would be unknown), and accepts it once priced', () => {
    const env = { TENANT_LIMITS: JSON.stringify({ acme: { daily_cost_usd: 5 } }), LLM_PEER_MODEL: 'my-local-llama' };
    expect(problems(env)).toEqual([expect.stringMatching(/^TENANT_LIMITS: .*daily_cost_usd but my-local-llama has no price/)]);
    const priced = loadApiConfig({ ...base, ...env, LLM_PRICES: JSON.stringify({ 'my-local-llama': { input_per_million: 0, output_per_million: 0 } }) });
    expect(priced.tenantLimits.anyDailyCost).toBe(true);
    expect(loadApiConfig({ ...base, LLM_PEER_MODEL: 'my-local-llama', TENANT_LIMITS: JSON.stringify({ acme: { daily_tokens: 5 } }) }).tenantLimits.anyDailyCost).toBe(false);
  });

  it('reports every bad entry in one problem list', () => {
    expect(problems({ TENANT_LIMITS: JSON.stringify({ a: { x: 1 }, b: { daily_tokens: -2 } }) })).toHaveLength(2);
  });
});
