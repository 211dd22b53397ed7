/**
 * How the API tells running workers that a client cancelled a task: one Redis
 * pub/sub message per cancel, carrying the task id. Pub/sub is fire-and-forget
 * (a worker that is reconnecting misses it), so workers also poll the task's
 * `cancel_requested_at` as a fallback; the message only makes it prompt.
 */
import { Redis } from 'ioredis';
import { isUuidV4 } from '@agent-orchestrator/domain';
import { REDIS_DISCONNECT_TIMEOUT_MS } from './redis';

export const TASK_CANCEL_CHANNEL = 'ao:tasks:cancel';

/** Publishes a cancel request; rejects when Redis is unreachable (callers may ignore it: workers poll too). */
export async function publishTaskCancel(redis: Pick<Redis, 'publish'>, taskId: string): Promise<void> {
  await redis.publish(TASK_CANCEL_CHANNEL, taskId);
}

export interface TaskCancelSubscription {
  /** Unsubscribes and closes the connection. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Subscribes (on a connection of its own: a subscribed connection can do nothing
 * else) and calls `onCancel` with each valid task id published. ioredis
 * re-subscribes by itself after a reconnect.
 */
export async function subscribeTaskCancels(
  redisUrl: string,
  onCancel: (taskId: string) => void,
  options: { onError?: (err: Error) => void; connectionName?: string } = {},
): Promise<TaskCancelSubscription> {
  // Not createRedisClient: a subscriber has no command timeout (SUBSCRIBE holds the connection) and
  // waits for Redis instead of failing fast; it reconnects forever and re-subscribes by itself.
  const client = new Redis(redisUrl, { connectionName: options.connectionName ?? 'ao-task-cancels', maxRetriesPerRequest: null, retryStrategy: (attempt) => Math.min(100 * attempt, 2000), disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS });
  client.on('error', options.onError ?? (() => undefined));
  client.on('message', (channel: string, message: string) => {
    if (channel === TASK_CANCEL_CHANNEL && isUuidV4(message)) onCancel(message.toLowerCase());
  });
  await client.subscribe(TASK_CANCEL_CHANNEL);
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= client.quit().then(
        () => undefined,
        () => client.disconnect(),
      );
      return closing;
    },
  };
}
