/**
 * A plain ioredis client for work that sits on the request path (the API's
 * rate limiter): it must answer or fail within a bound, never queue commands
 * while Redis is away, and keep reconnecting in the background.
 */
import { Redis } from 'ioredis';

export type RedisClient = Redis;

/**
 * How long a disconnect waits for Redis to close the socket before destroying it (ioredis's
 * `disconnectTimeout`, 2000 ms by default). ioredis arms that timer even when the socket is already
 * gone (a client whose connection failed, Redis down at shutdown), where nothing clears it: it then
 * held the process, and Jest ("did not exit one second after the test run"), for 2 s. Every client
 * and Bull queue this lib creates uses this value.
 */
export const REDIS_DISCONNECT_TIMEOUT_MS = 200;

export interface RedisClientOptions {
  /** Shown by `CLIENT LIST`, e.g. `ao-api-rate-limit`. */
  connectionName?: string;
  /** A command not answered within this many ms rejects. Default 500. */
  commandTimeoutMs?: number;
  /** TCP connect timeout. Default 2000 ms. */
  connectTimeoutMs?: number;
  /**
   * Receives connection errors. ioredis keeps reconnecting after each one,
   * and prints to stderr when nobody listens, so one is always attached.
   */
  onError?: (err: Error) => void;
  /**
   * When false the client counts as ready as soon as TCP connects, without the
   * INFO round trip. Only tests turn it off. Default true.
   */
  readyCheck?: boolean;
}

/**
 * Fail fast, never hang: with the offline queue off a command sent while the
 * connection is down rejects at once; `commandTimeout` bounds one that was sent
 * to a Redis that stopped answering. Reconnection is retried forever with a
 * capped backoff, so the client heals when Redis comes back.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClient {
  const client = new Redis(url, {
    connectionName: options.connectionName,
    commandTimeout: options.commandTimeoutMs ?? 500,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableReadyCheck: options.readyCheck ?? true,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
  });
  client.on('error', options.onError ?? (() => undefined));
  return client;
}
