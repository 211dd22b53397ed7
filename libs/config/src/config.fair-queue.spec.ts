import { ConfigError, DEFAULT_TENANT } from '@agent-orchestrator/domain';
import { DEFAULT_TENANT as KEYS_DEFAULT_TENANT } from './api-keys.config';
import { loadApiConfig } from './api.config';
import { loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://localhost:27017', REDIS_URL: 'redis://localhost:6379' };

describe('fair queuing settings (FAIR_QUEUE_*)', () => {
  it('is on by default in both apps, with a gauge of the 20 largest backlogs', () => {
    expect(loadWorkerConfig(base).fairQueue).toEqual({ enabled: true, metricsTopTenants: 20 });
    expect(loadApiConfig(base).fairQueue).toEqual({ enabled: true, metricsTopTenants: 20 });
  });

  it('reads both from the environment; 0 tenants turns the gauge off', () => {
    expect(loadWorkerConfig({ ...base, FAIR_QUEUE_ENABLED: 'false', FAIR_QUEUE_METRICS_TOP_TENANTS: '0' }).fairQueue).toEqual({ enabled: false, metricsTopTenants: 0 });
    expect(loadApiConfig({ ...base, FAIR_QUEUE_ENABLED: '0' }).fairQueue.enabled).toBe(false);
  });

  it('refuses values it cannot read, naming the variable', () => {
    for (const env of [{ FAIR_QUEUE_ENABLED: 'sometimes' }, { FAIR_QUEUE_METRICS_TOP_TENANTS: '-1' }, { FAIR_QUEUE_METRICS_TOP_TENANTS: '5000' }]) {
      const name = Object.keys(env)[0]!;
      expect(() => loadWorkerConfig({ ...base, ...env })).toThrow(ConfigError);
      expect(() => loadWorkerConfig({ ...base, ...env })).toThrow(name);
    }
  });

  it("names the same default tenant as the domain, whose tasks without a tenant queue as it", () => {
    expect(KEYS_DEFAULT_TENANT).toBe(DEFAULT_TENANT);
  });
});
