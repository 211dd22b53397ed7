import { ConfigError } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';

const base = { MONGO_URI: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('loadApiConfig: IDEMPOTENCY_TTL_HOURS', () => {
  it('defaults to 24 hours', () => {
    expect(loadApiConfig(base).idempotencyTtlHours).toBe(24);
  });

  it('takes a whole number of hours from 1 to 720', () => {
    expect(loadApiConfig({ ...base, IDEMPOTENCY_TTL_HOURS: '1' }).idempotencyTtlHours).toBe(1);
    expect(loadApiConfig({ ...base, IDEMPOTENCY_TTL_HOURS: '720' }).idempotencyTtlHours).toBe(720);
  });

  it.each(['0', '721', '1.5', 'a day'])('refuses %s, naming the variable', (value) => {
    expect(() => loadApiConfig({ ...base, IDEMPOTENCY_TTL_HOURS: value })).toThrow(ConfigError);
    try {
      loadApiConfig({ ...base, IDEMPOTENCY_TTL_HOURS: value });
    } catch (err) {
      expect((err as ConfigError).details?.map((d) => d.field)).toEqual(['IDEMPOTENCY_TTL_HOURS']);
    }
  });
});
