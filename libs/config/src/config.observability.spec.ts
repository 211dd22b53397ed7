import { ConfigError, DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';
import { loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379' };

function problems(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return (err.details ?? []).map((d) => String(d.field));
    throw err;
  }
  return [];
}

describe('task event store and snapshot settings', () => {
  it('defaults: events only in the logs, 14 days retention; snapshots every minute kept 30 days', () => {
    expect(loadApiConfig(base).taskEventStore).toEqual({ enabled: false, retentionDays: 14, bufferSize: 1000, flushIntervalMs: 1000 });
    const worker = loadWorkerConfig(base);
    expect(worker.taskEventStore.enabled).toBe(false);
    expect(worker.metricsSnapshots).toEqual({ intervalMs: 60_000, retentionDays: 30 });
  });

  it('reads every variable in both apps', () => {
    const env = {
      ...base,
      LOG_TO_MONGO: 'true',
      LOG_RETENTION_DAYS: '3',
      LOG_MONGO_BUFFER_SIZE: '50',
      LOG_MONGO_FLUSH_MS: '200',
      METRICS_SNAPSHOT_INTERVAL_MS: '0',
      METRICS_SNAPSHOT_RETENTION_DAYS: '7',
    };
    expect(loadApiConfig(env).taskEventStore).toEqual({ enabled: true, retentionDays: 3, bufferSize: 50, flushIntervalMs: 200 });
    expect(loadWorkerConfig(env).metricsSnapshots).toEqual({ intervalMs: 0, retentionDays: 7 });
    expect(loadWorkerConfig({ ...env, LOG_TO_MONGO: '1' }).taskEventStore.enabled).toBe(true);
  });

  it('refuses bad values with the variable named', () => {
    expect(problems(() => loadApiConfig({ ...base, LOG_TO_MONGO: 'yes', LOG_RETENTION_DAYS: '0', LOG_MONGO_BUFFER_SIZE: 'many' })).sort()).toEqual([
      'LOG_MONGO_BUFFER_SIZE',
      'LOG_RETENTION_DAYS',
      'LOG_TO_MONGO',
    ]);
    expect(problems(() => loadWorkerConfig({ ...base, METRICS_SNAPSHOT_INTERVAL_MS: '500', METRICS_SNAPSHOT_RETENTION_DAYS: '-1' })).sort()).toEqual([
      'METRICS_SNAPSHOT_INTERVAL_MS',
      'METRICS_SNAPSHOT_RETENTION_DAYS',
    ]);
  });
});

describe('write windows of the stream events and the running counters', () => {
  it('defaults: stream events batched over 5 ms, counter increments over 20 ms, in both apps', () => {
    for (const config of [loadApiConfig(base), loadWorkerConfig(base)]) {
      expect(config.stream.writeWindowMs).toBe(5);
      expect(config.counters).toEqual({ writeWindowMs: 20 });
    }
  });

  it('reads both, 0 switching a window off', () => {
    const env = { ...base, STREAM_WRITE_WINDOW_MS: '0', COUNTERS_WRITE_WINDOW_MS: '250' };
    expect(loadApiConfig(env).stream.writeWindowMs).toBe(0);
    expect(loadWorkerConfig(env).counters.writeWindowMs).toBe(250);
  });

  it('refuses what is not a whole number of ms in range, with the variable named', () => {
    expect(problems(() => loadApiConfig({ ...base, STREAM_WRITE_WINDOW_MS: '1001', COUNTERS_WRITE_WINDOW_MS: '-5' })).sort()).toEqual(['COUNTERS_WRITE_WINDOW_MS', 'STREAM_WRITE_WINDOW_MS']);
    expect(problems(() => loadWorkerConfig({ ...base, STREAM_WRITE_WINDOW_MS: '2.5', COUNTERS_WRITE_WINDOW_MS: 'soon' })).sort()).toEqual(['COUNTERS_WRITE_WINDOW_MS', 'STREAM_WRITE_WINDOW_MS']);
  });
});

describe('price table', () => {
  it('prices every model the default configuration names (router, content and code agents all default to gpt-4o-mini)', () => {
    const worker = loadWorkerConfig(base);
    expect(worker.llm.prices[worker.llm.peerModel]).toEqual({ input_per_million: 0.15, output_per_million: 0.6 });
    for (const model of ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini']) expect(DEFAULT_PRICE_TABLE[model]).toBeDefined();
  });

  it('LLM_PRICES overrides and extends the defaults', () => {
    const prices = loadWorkerConfig({
      ...base,
      LLM_PRICES: '{"gpt-4o-mini":{"input_per_million":1,"output_per_million":2},"local-llama":{"input_per_million":0,"output_per_million":0}}',
    }).llm.prices;
    expect(prices['gpt-4o-mini']).toEqual({ input_per_million: 1, output_per_million: 2 });
    expect(prices['local-llama']).toEqual({ input_per_million: 0, output_per_million: 0 });
    expect(prices['gpt-4o']).toEqual(DEFAULT_PRICE_TABLE['gpt-4o']);
  });
});
