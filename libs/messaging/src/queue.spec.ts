import { queueRedisOptions } from './queue';

describe('queueRedisOptions', () => {
  it('turns TLS on for rediss:// only', () => {
    expect(queueRedisOptions('rediss://user:pw@cache.example.internal:6380/2')).toMatchObject({ tls: {} });
    expect(queueRedisOptions('redis://127.0.0.1:6379/1')).not.toHaveProperty('tls');
  });

  it('fails fast for producers that must not wait for Redis', () => {
    expect(queueRedisOptions('redis://127.0.0.1:6379', { failFast: true })).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    expect(queueRedisOptions('redis://127.0.0.1:6379')).not.toHaveProperty('enableOfflineQueue');
  });
});
