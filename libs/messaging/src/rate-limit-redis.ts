import type { Logger } from '@agent-orchestrator/tasks';
import { createRedisClient, type RedisClient } from './redis';
import { TurnPipeline } from './turn-pipeline';

/** What a rate-limit store needs of Redis: raw commands (SCRIPT LOAD, EVALSHA, DEL...). An ioredis client has it. */
export interface RateLimitRedis {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * The api's rate-limit Redis connection: a client of its own (fail fast, bounded by
 * RATE_LIMIT_REDIS_TIMEOUT_MS) on REDIS_URL, so a slow Redis never holds a request. Connection
 * errors are logged at debug level only: while Redis is down the limiter itself warns, at most
 * once a minute. `calls` is the client for the limiter's own calls: those of one event-loop turn
 * (the requests that arrived together) go to Redis as one pipeline (turn-pipeline.ts).
 */
export function connectRateLimitRedis(
  config: { rateLimitRedisTimeoutMs: number; redis: { url: string } },
  logger: Pick<Logger, 'debug'>,
): { client: RedisClient; calls: RateLimitRedis; close: () => Promise<void> } {
  const client = createRedisClient(config.redis.url, {
    connectionName: 'ao-api-rate-limit',
    commandTimeoutMs: config.rateLimitRedisTimeoutMs,
    onError: (err) => logger.debug('rate-limit Redis connection error', { err }),
  });
  return {
    client,
    calls: new TurnPipeline(client),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
