import { ConfigError } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';
import { loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://localhost:27017', REDIS_URL: 'redis://localhost:6379' };

describe('metrics settings', () => {
  it('api: /metrics on and open by default; METRICS_ENABLED and METRICS_TOKEN', () => {
    expect(loadApiConfig(base).metrics).toEqual({ enabled: true, token: undefined });
    expect(loadApiConfig({ ...base, METRICS_ENABLED: 'false' }).metrics.enabled).toBe(false);
    expect(loadApiConfig({ ...base, METRICS_TOKEN: 'scrape-0123456789abcdef' }).metrics.token).toBe('scrape-0123456789abcdef');
  });

  it('api: refuses a bad boolean and a short token without echoing the token', () => {
    expect(() => loadApiConfig({ ...base, METRICS_ENABLED: 'maybe' })).toThrow(/METRICS_ENABLED must be true or false/);
    let error: unknown;
    try {
      loadApiConfig({ ...base, METRICS_TOKEN: 'short-secret' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/METRICS_TOKEN must be at least 16/);
    expect((error as Error).message).not.toContain('short-secret');
  });

  it('worker: listener on 0.0.0.0:9464 and a queue depth line every minute by default', () => {
    const c = loadWorkerConfig(base);
    expect(c.metrics).toEqual({ enabled: true, port: 9464, host: '0.0.0.0', token: undefined });
    expect(c.queueDepthLogIntervalMs).toBe(60_000);
  });

  it('worker: port 0 (any free port), off switches, and range checks', () => {
    const c = loadWorkerConfig({
      ...base,
      WORKER_METRICS_PORT: '0',
      WORKER_METRICS_HOST: '127.0.0.1',
      WORKER_METRICS_ENABLED: '0',
      QUEUE_DEPTH_LOG_INTERVAL_MS: '0',
    });
    expect(c.metrics).toEqual({ enabled: false, port: 0, host: '127.0.0.1', token: undefined });
    expect(c.queueDepthLogIntervalMs).toBe(0);
    expect(() => loadWorkerConfig({ ...base, WORKER_METRICS_PORT: '70000' })).toThrow(/WORKER_METRICS_PORT/);
    expect(() => loadWorkerConfig({ ...base, QUEUE_DEPTH_LOG_INTERVAL_MS: '-1' })).toThrow(/QUEUE_DEPTH_LOG_INTERVAL_MS/);
  });

  it('worker: METRICS_TOKEN (the same secret as the api) protects its listener; a bad one stops the boot without being echoed', () => {
    expect(loadWorkerConfig({ ...base, METRICS_TOKEN: 'scrape-0123456789abcdef' }).metrics.token).toBe('scrape-0123456789abcdef');
    for (const bad of ['short-secret', 'has spaces in the middle of it']) {
      let error: unknown;
      try {
        loadWorkerConfig({ ...base, METRICS_TOKEN: bad });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/METRICS_TOKEN must be at least 16 visible ASCII characters/);
      expect((error as Error).message).not.toContain(bad);
    }
  });
});
