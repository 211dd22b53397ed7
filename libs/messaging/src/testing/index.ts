/**
 * Test kit for specs that need Redis (`*.int.spec.ts`): REDIS_URL comes from the Jest global setup
 * (tools/jest/services-setup.mjs) of the `test-int` targets, or from your environment. Each spec gets
 * Redis state of its own (a logical database, or a Bull key prefix) so specs can share one server.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:net';

import { createTaskQueue, pingQueue, type TaskQueue, type TaskQueueOptions } from '../queue';
import { createRedisClient, type RedisClient, type RedisClientOptions } from '../redis';

/** REDIS_URL, or an error that says where it normally comes from. */
export function requireRedisUrl(): string {
  const url = process.env['REDIS_URL'];
  if (!url) {
    throw new Error(
      'This integration test needs Redis: REDIS_URL is not set. It is normally set by the Jest globalSetup of the ' +
        'test-int target (tools/jest/services-setup.mjs); or run `node tools/services/redis.mjs start` and export the REDIS_URL it prints.',
    );
  }
  return url;
}

/**
 * REDIS_URL on another logical database (1–15 at random unless given), so a spec's keys and jobs never
 * meet another spec's (or a worker's) on the shared server.
 */
export function testRedisUrl(db: number = randomInt(1, 16), url: string = requireRedisUrl()): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A unique name for Bull key prefixes and the like: `<name>-<8 hex>`. */
export function uniquePrefix(name = 'test'): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

/** A local port nothing listens on (for "the server is down" cases). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A redis:// URL at a local port nothing listens on. */
export async function unreachableRedisUrl(): Promise<string> {
  return `redis://127.0.0.1:${await closedPort()}`;
}

import { waitUntil } from '../wait-until';

export { waitUntil };

/**
 * A Bull task queue of the spec's own: a unique key prefix (unless `prefix` is given) on `url`
 * (default: `testRedisUrl()`), ready to take commands (a fail-fast queue refuses them until its
 * connection is up). Clean up with `disposeTestQueue`.
 */
export async function openTestQueue(options: TaskQueueOptions & { url?: string; name?: string; timeoutMs?: number } = {}): Promise<TaskQueue> {
  const { url = testRedisUrl(), name = 'test', timeoutMs = 10_000, ...queueOptions } = options;
  const queue = createTaskQueue(url, { prefix: uniquePrefix(name), ...queueOptions });
  if (!(await waitUntil(() => pingQueue(queue), { timeoutMs }))) {
    await closeTestQueue(queue);
    throw new Error(`Redis at ${url} is not reachable`);
  }
  return queue;
}

/**
 * Closes a queue, also one whose Redis never answered: Bull's close() can wait forever for such a
 * connection, so it gets a moment before the sockets are cut, and then the sockets get until they are
 * really gone (ioredis keeps a 2 s timer per socket that never connected), so Jest exits cleanly.
 */
export async function closeTestQueue(queue: TaskQueue): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise((resolve) => (timer = setTimeout(resolve, 1000)));
  await Promise.race([queue.close().catch(() => undefined), gaveUp]);
  clearTimeout(timer);
  for (const client of queue.clients) client.disconnect();
  await waitUntil(async () => queue.clients.every((c) => c.status === 'end'), { timeoutMs: 3000 });
}

/** Removes every job and key of the queue's prefix (Bull's obliterate, errors ignored), then closes it. */
export async function disposeTestQueue(queue: TaskQueue | undefined): Promise<void> {
  if (!queue) return;
  await queue.obliterate({ force: true }).catch(() => undefined);
  await closeTestQueue(queue);
}

/** A Redis client for a spec (default: `testRedisUrl()`), answering PING. Close it with `quit()`. */
export async function openTestRedis(options: RedisClientOptions & { url?: string } = {}): Promise<RedisClient> {
  const { url = testRedisUrl(), ...clientOptions } = options;
  const client = createRedisClient(url, { commandTimeoutMs: 2000, ...clientOptions });
  if (!(await waitUntil(async () => (await client.ping()) === 'PONG', { timeoutMs: 10_000 }))) {
    client.disconnect();
    throw new Error(`Redis at ${url} is not reachable`);
  }
  return client;
}

/** Deletes the keys that match `pattern` (e.g. `${prefix}*`); resolves how many there were. */
export async function deleteKeys(client: RedisClient, pattern: string): Promise<number> {
  const keys = await client.keys(pattern);
  return keys.length ? client.del(...keys) : 0;
}
