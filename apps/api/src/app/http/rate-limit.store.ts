import type { ClientRateLimitInfo, IncrementResponse, Options, Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { connectRateLimitRedis, type RateLimitRedis, type RedisClient } from '@agent-orchestrator/messaging';
import type { ApiConfig } from '@agent-orchestrator/config';
import type { Logger } from '@agent-orchestrator/observability';

export const RATE_LIMIT_PREFIX = 'ao:rl:';

/** A rate-limit store call that failed (Redis down, slow or refusing); the limiter lets the request through. */
export class RateLimitStoreError extends Error {
  constructor(cause: unknown) {
    super(`rate-limit store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RateLimitStoreError';
  }
}

/**
 * rate-limit-redis, made to survive Redis outages. Every API process counts
 * in the same Redis keys (`ao:rl:ip:<ip>`, `ao:rl:key:<id>`), so the limit holds
 * across processes.
 *
 * Upstream loads its Lua scripts once, in `init`: had Redis been down then,
 * the failed load would be awaited, and fail, on every later call, even after
 * Redis came back. Here the scripts load on first use and again after any
 * failure. Each call is bounded by the client's command timeout, and the
 * client never queues commands while disconnected, so a call fails fast
 * instead of hanging the request.
 */
export class RedisRateLimitStore implements Store {
  readonly localKeys = false;
  readonly prefix: string;
  private readonly inner: RedisStore;
  private options: Options | undefined;
  private ready: Promise<void> | undefined;

  constructor({ client, prefix = RATE_LIMIT_PREFIX }: { client: RateLimitRedis; prefix?: string }) {
    this.prefix = prefix;
    this.inner = new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => client.call(command, ...args) as Promise<RedisReply> });
  }

  /** Called by express-rate-limit at creation; nothing is sent to Redis yet, so booting without Redis is quiet. */
  init(options: Options): void {
    this.options = options;
  }

  async increment(key: string): Promise<IncrementResponse> {
    return this.guard(() => this.inner.increment(key));
  }

  async decrement(key: string): Promise<void> {
    return this.guard(() => this.inner.decrement(key));
  }

  async resetKey(key: string): Promise<void> {
    return this.guard(() => this.inner.resetKey(key));
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.guard(() => this.inner.get(key));
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      if (!this.options) throw new Error('the store was not initialised by express-rate-limit');
      this.ready ??= this.inner.init(this.options);
      await this.ready;
      return await call();
    } catch (err) {
      this.ready = undefined;
      throw new RateLimitStoreError(err);
    }
  }
}

/**
 * The store main.ts hands the app, on the rate-limit Redis connection of the platform lib
 * (connectRateLimitRedis). Undefined when rate limiting is off.
 */
export function connectRateLimitStore(
  config: Pick<ApiConfig, 'rateLimitPerMinute' | 'rateLimitRedisTimeoutMs' | 'redis'>,
  logger: Logger,
): { store: RedisRateLimitStore; client: RedisClient; close: () => Promise<void> } | undefined {
  if (config.rateLimitPerMinute <= 0) return undefined;
  const { client, calls, close } = connectRateLimitRedis(config, logger);
  return { store: new RedisRateLimitStore({ client: calls }), client, close };
}
