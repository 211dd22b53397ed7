import { ConfigError } from '@agent-orchestrator/domain';
import { loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('WORKER_HEARTBEAT_MS', () => {
  it('defaults to 10 s', () => {
    expect(loadWorkerConfig(base).heartbeatIntervalMs).toBe(10_000);
  });

  it('is read as an integer number of ms', () => {
    expect(loadWorkerConfig({ ...base, WORKER_HEARTBEAT_MS: '2500' }).heartbeatIntervalMs).toBe(2500);
  });

  it.each(['0', '99', '300001', '1.5', 'often'])('refuses %s', (value) => {
    expect(() => loadWorkerConfig({ ...base, WORKER_HEARTBEAT_MS: value })).toThrow(ConfigError);
  });
});
