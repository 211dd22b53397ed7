#!/usr/bin/env node
/**
 * Fair queuing between tenants (docs/fair-queuing.md), measured on the real Bull adapter
 * (BullTaskQueue from libs/messaging/dist, so build first: `npx nx run messaging:build`).
 *
 * For each backlog size and each mode (FAIR_QUEUE_ENABLED true / false): tenant A enqueues the
 * backlog, a stand-in worker (BullTaskQueue.consume, `--concurrency` slots, each task `--task-ms`
 * long, no MongoDB, so the figures are the queue's alone) starts on it, and once every slot has
 * turned over twice tenant B submits one task. Printed: B's time from submit to start, and how many
 * A tasks started between the two. Then the cost of one enqueue with `--cost-sizes` jobs waiting (median
 * and p99 of `--enqueue-samples` enqueues, the tag script and Bull's add together).
 *
 *   node tools/bench/fairness.mjs                       # backlogs 100 and 1000, 4 slots, 20 ms tasks; enqueue cost at 1k and 10k
 *   node tools/bench/fairness.mjs --sizes 100,1000,10000 --task-ms 10 --cost-sizes 10000,100000
 *
 * Redis: REDIS_URL when set (every run uses key prefixes of its own and obliterates them at its
 * end), else tools/services starts redis-server on a free port and stops it at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, markdownTable, parseSizes, percentile } from './lib.mjs';
import { startRedis } from '../services/redis.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,1000' },
    concurrency: { type: 'string', default: '4' },
    'task-ms': { type: 'string', default: '20' },
    'cost-sizes': { type: 'string', default: '1000,10000' },
    'enqueue-samples': { type: 'string', default: '50' },
  },
});
const sizes = parseSizes(args.sizes ?? '100,1000');
const costSizes = parseSizes(args['cost-sizes'] ?? '1000,10000');
const concurrency = Number(args.concurrency);
const taskMs = Number(args['task-ms']);
const samples = Number(args['enqueue-samples']);

const require = createRequire(path.join(ROOT, 'package.json'));
/** @type {{ BullTaskQueue: new (source: string, options?: Record<string, unknown>) => any }} */
const { BullTaskQueue } = require(path.join(ROOT, 'libs/messaging/dist/index.js'));

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @param {() => boolean} check
 * @param {number} timeoutMs
 */
async function until(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(1);
  }
}

/**
 * @param {string} redisUrl
 * @param {boolean} fair
 */
async function openQueues(redisUrl, fair) {
  const prefix = `bench-fair-${randomBytes(4).toString('hex')}`;
  const producer = new BullTaskQueue(redisUrl, { prefix, fair });
  const consumer = new BullTaskQueue(redisUrl, { prefix, fair });
  await Promise.all([producer.ready(), consumer.ready()]);
  const close = async () => {
    await producer.queue.obliterate({ force: true }).catch(() => undefined);
    await producer.queue.client.del(producer.queue.toKey('fair')).catch(() => undefined);
    await Promise.all([producer.close(), consumer.close(true)]);
  };
  return { producer, consumer, close };
}

/**
 * @param {any} producer
 * @param {number} n
 * @param {string} tenant
 */
async function enqueueMany(producer, n, tenant) {
  for (let i = 0; i < n; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => producer.enqueue(randomUUID(), { tenant })));
  }
}

/**
 * B's wait behind a backlog of `size` A tasks.
 * @param {string} redisUrl
 * @param {number} size
 * @param {boolean} fair
 */
async function timeToStart(redisUrl, size, fair) {
  const { producer, consumer, close } = await openQueues(redisUrl, fair);
  try {
    await enqueueMany(producer, size, 'a');
    /** @type {string[]} */
    const started = [];
    let bId = '';
    let bStartedAt = 0;
    await consumer.consume(
      /** @param {{ task_id: string }} delivery */
      async ({ task_id }) => {
        started.push(task_id);
        if (task_id === bId) bStartedAt = performance.now();
        await sleep(taskMs);
      },
      { concurrency },
    );
    await until(() => started.length >= 2 * concurrency, 60_000);
    bId = randomUUID();
    const before = started.length;
    const submittedAt = performance.now();
    await producer.enqueue(bId, { tenant: 'b' });
    await until(() => bStartedAt > 0, 30 * 60_000);
    return { ms: bStartedAt - submittedAt, aStarted: started.indexOf(bId) - before };
  } finally {
    await close();
  }
}

/**
 * The cost of one enqueue with `size` jobs waiting (no consumer).
 * @param {string} redisUrl
 * @param {number} size
 * @param {boolean} fair
 */
async function enqueueCost(redisUrl, size, fair) {
  const { producer, close } = await openQueues(redisUrl, fair);
  try {
    await enqueueMany(producer, size, 'a');
    /** @type {number[]} */
    const us = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await producer.enqueue(randomUUID(), { tenant: i % 2 ? 'a' : `t${i}` });
      us.push((performance.now() - t0) * 1000);
    }
    us.sort((x, y) => x - y);
    return { p50: percentile(us, 0.5), p99: percentile(us, 0.99) };
  } finally {
    await close();
  }
}

async function main() {
  const redis = await startRedis({ log: () => undefined });
  try {
    /** @type {Array<Array<string>>} */
    const waits = [];
    for (const size of sizes) {
      const row = [String(size)];
      for (const fair of [true, false]) {
        const wait = await timeToStart(redis.url, size, fair);
        row.push(fmt(wait.ms, 0), String(wait.aStarted));
        process.stderr.write(`time to start, backlog ${size}, ${fair ? 'fair' : 'fifo'}: ${Math.round(wait.ms)} ms\n`);
      }
      waits.push(row);
    }
    /** @type {Array<Array<string>>} */
    const costs = [];
    for (const size of costSizes) {
      const row = [String(size)];
      for (const fair of [true, false]) {
        const cost = await enqueueCost(redis.url, size, fair);
        row.push(fmt(cost.p50, 0), fmt(cost.p99, 0));
      }
      costs.push(row);
    }
    const right = ['right', 'right', 'right', 'right', 'right'];
    process.stdout.write(`B's time to start behind tenant A's backlog (${concurrency} slots, tasks of ${taskMs} ms; Bull on Redis, no MongoDB)\n\n`);
    process.stdout.write(markdownTable(['A backlog', 'fair: B starts after (ms)', 'fair: A tasks before B', 'fifo: B starts after (ms)', 'fifo: A tasks before B'], waits, right) + '\n\n');
    process.stdout.write(`One enqueue with the backlog waiting (${samples} samples)\n\n`);
    process.stdout.write(markdownTable(['waiting jobs', 'fair p50 (µs)', 'fair p99 (µs)', 'fifo p50 (µs)', 'fifo p99 (µs)'], costs, right) + '\n');
  } finally {
    await redis.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
