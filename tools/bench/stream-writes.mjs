#!/usr/bin/env node
/**
 * The writes both processes make for every task lifecycle event (issue 11, goals 1 and 2): the task
 * stream (`TaskStreamPublisher`: an insert into `task_stream_events` and a Redis PUBLISH per event)
 * and the running counters (`TaskCounting`: the `$inc`s of `task_counters`), driven with the real
 * repositories of libs/persistence and the real `RedisTaskStreamBus` on local servers. Loads the
 * builds, so build first: `npx nx run-many -t build -p tasks persistence messaging`.
 *
 *   node tools/bench/stream-writes.mjs                                  # 32 tasks x 10 events, 5 timed rounds, the apps' default windows (5 and 20 ms)
 *   node tools/bench/stream-writes.mjs --stream-window-ms 0 --counter-window-ms 0   # batching off: one write per event
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof tools/bench/stream-writes.mjs --only stream --rounds 20   # the timed span is printed
 *   node tools/bench/stream-writes.mjs --root /tmp/before   # the builds of another checkout (e.g. the commit before a change)
 *
 * Stream part: per round, `--tasks` tasks at once, each with `--events` events: `task.accepted`
 * from an "api" publisher, then `task.picked_up`, `task.routed`, `agent.started`, text deltas,
 * `agent.finished` and `task.completed` from a "worker" publisher (`awaitFirst`, as the worker's),
 * one event per turn of the event loop per task, so the tasks' events interleave as in a worker
 * running that many at once. Counter part: per round, `--tasks` tasks each make the moves of a
 * completed task (accept, pick up, route, complete) and record two runs (router, agent) through one
 * `TaskCounting`. Each round ends with `flush()` (`settled()`); the first round is a warm-up.
 *
 * Printed per part: events (increments) per second of wall time, CPU µs per event of this process
 * (`process.cpuUsage`, user + system: the publishers, the MongoDB driver and ioredis; the servers'
 * own CPU is not in it), MongoDB commands and Redis commands per event (counted on the driver's
 * `Collection` methods and on the Redis client), and a check that every task's stream is numbered
 * 1..n in the order its events were emitted. Nothing here is asserted in tests; on a shared
 * machine compare CPU per event, not throughput, and compare runs made in the same conditions.
 *
 * Servers: `MONGO_URI` / `REDIS_URL` when set, else tools/services starts mongo-java-server (memory
 * backend; `--mongo ferretdb` for FerretDB) and redis-server on free ports, stopped at the end. Each
 * run uses a database of its own (`ao_bench_writes_<tag>`), dropped at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, markdownTable } from './lib.mjs';
import { startMongo } from '../services/mongo.mjs';
import { startRedis } from '../services/redis.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '32' },
    events: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    only: { type: 'string', default: 'stream,counters' },
    // The apps' defaults (STREAM_WRITE_WINDOW_MS, COUNTERS_WRITE_WINDOW_MS); 0 = off.
    'stream-window-ms': { type: 'string', default: '5' },
    'counter-window-ms': { type: 'string', default: '20' },
    'pickup-delay-ms': { type: 'string', default: '5' },
    mongo: { type: 'string', default: 'mongo-java-server' },
    // Where the libraries' builds are loaded from: another checkout (an earlier commit's) to compare.
    root: { type: 'string' },
  },
});
const LIBS = path.resolve(args.root ?? ROOT);
const tasksPerRound = Number(args.tasks);
const eventsPerTask = Math.max(7, Number(args.events));
const rounds = Math.max(1, Number(args.rounds));
const parts = new Set((args.only ?? '').split(',').map((s) => s.trim()));
const pickupDelayMs = Number(args['pickup-delay-ms']);
const streamWindowMs = Number(args['stream-window-ms']);
const counterWindowMs = Number(args['counter-window-ms']);

const require = createRequire(path.join(LIBS, 'package.json'));
/** @param {string} lib */
const dist = (lib) => require(path.join(LIBS, 'libs', lib, 'dist/index.js'));
/** @type {any} */
const { connectMongo } = dist('persistence');
/** @type {any} */
const { TaskStreamPublisher, TaskCounting } = dist('tasks');
/** @type {any} */
const { RedisTaskStreamBus } = dist('messaging');
/** @type {any} */
const { newTask } = dist('domain');
// The driver mongoose (and so libs/persistence) uses, and ioredis as libs/messaging resolves it.
const requireFromPersistence = createRequire(path.join(LIBS, 'libs/persistence/package.json'));
const requireFromMessaging = createRequire(path.join(LIBS, 'libs/messaging/package.json'));
/** @type {any} */
const mongoose = requireFromPersistence('mongoose');
/** @type {any} */
const { Redis } = requireFromMessaging('ioredis');

/**
 * MongoDB commands sent, by method of the driver's Collection (each is one round trip). A method the
 * driver calls from another one (insertMany → bulkWrite, findOne → find) is not counted again.
 */
const mongoCalls = new Map();
let insideDriver = false;
for (const method of ['insertOne', 'insertMany', 'updateOne', 'bulkWrite', 'findOne', 'find', 'replaceOne', 'deleteMany']) {
  const proto = mongoose.mongo.Collection.prototype;
  const original = proto[method];
  proto[method] = function (...rest) {
    if (insideDriver) return original.apply(this, rest);
    mongoCalls.set(method, (mongoCalls.get(method) ?? 0) + 1);
    insideDriver = true;
    try {
      return original.apply(this, rest);
    } finally {
      insideDriver = false;
    }
  };
}
const mongoTotal = () => [...mongoCalls.values()].reduce((a, b) => a + b, 0);
const mongoBreakdown = (before) =>
  [...mongoCalls.entries()]
    .map(([m, n]) => [m, n - (before.get(m) ?? 0)])
    .filter(([, n]) => n > 0)
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');

const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
const quiet = { warn: (/** @type {string} */ m, /** @type {unknown} */ f) => log(`warn: ${m} ${JSON.stringify(f)}`), info: () => undefined };

const mongoServer = await startMongo({ backend: process.env.MONGO_URI ? undefined : args.mongo, log: () => undefined });
const redisServer = await startRedis({ log: () => undefined });
const dbName = `ao_bench_writes_${randomBytes(3).toString('hex')}`;
const store = await connectMongo({ uri: mongoServer.uri, dbName, appName: 'ao-bench-writes' });
const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 2 });
/** Redis round trips: a PUBLISH, or a pipeline / MULTI sent at once. */
let redisTrips = 0;
const publisher = {
  publish: (/** @type {string} */ channel, /** @type {string} */ message) => {
    redisTrips += 1;
    return redis.publish(channel, message);
  },
  pipeline: () => {
    const pipe = redis.pipeline();
    const exec = pipe.exec.bind(pipe);
    pipe.exec = () => {
      redisTrips += 1;
      return exec();
    };
    return pipe;
  },
};

const rows = [];
try {
  await store.ensureIndexes();
  log(`MongoDB: ${mongoServer.kind}; Redis: ${redisServer.kind}; database ${dbName}`);
  if (parts.has('stream')) rows.push(await streamPart());
  if (parts.has('counters')) rows.push(await counterPart());
} finally {
  await store.close();
  redis.disconnect();
  await mongoServer.stop();
  await redisServer.stop();
}

process.stdout.write(
  `${markdownTable(
    ['part', 'window ms', 'events', 'events/s', 'CPU µs/event', 'of it system', 'MongoDB cmds/event', 'Redis trips/event', 'MongoDB commands', 'check'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
  )}\n`,
);

/** Runs `round` once untimed, then `rounds` times timed; returns the totals of the timed ones. */
async function measure(round) {
  await round();
  const before = { cpu: process.cpuUsage(), at: process.hrtime.bigint(), mongo: mongoTotal(), calls: new Map(mongoCalls), redis: redisTrips };
  let events = 0;
  for (let i = 0; i < rounds; i++) events += await round();
  const cpu = process.cpuUsage(before.cpu);
  const end = process.hrtime.bigint();
  const wallS = Number(end - before.at) / 1e9;
  // The timed span on the monotonic clock in µs (the one of a --cpu-prof profile's timestamps), to profile only it.
  log(`timed span: ${before.at / 1000n} .. ${end / 1000n} µs`);
  return {
    events,
    perS: events / wallS,
    cpuUs: (cpu.user + cpu.system) / events,
    sysUs: cpu.system / events,
    mongo: (mongoTotal() - before.mongo) / events,
    redis: (redisTrips - before.redis) / events,
    breakdown: mongoBreakdown(before.calls),
  };
}

async function streamPart() {
  const bus = new RedisTaskStreamBus({ redisUrl: redisServer.url, publisher, logger: quiet });
  const options = { store: store.repositories.taskStream, bus, logger: quiet, deltaIntervalMs: 200, deltaMaxChars: 16, batchWindowMs: streamWindowMs };
  const api = new TaskStreamPublisher(options);
  const worker = new TaskStreamPublisher({ ...options, awaitFirst: { event: 'task.accepted', waitMs: 2000 } });
  const names = ['task.picked_up', 'task.routed', 'agent.started'];
  const deltas = eventsPerTask - 6;
  /** Every task of the part and the events it emitted, to check the stored streams. */
  const emitted = new Map();
  /**
   * @param {string} task_id
   * @param {string} name
   * @param {string | null} [agent_name]
   */
  const event = (task_id, name, agent_name = null) => ({ event: name, level: 'info', message: name, timestamp: new Date(), task_id, session_id: 's', request_id: 'r', agent_name, service: 'bench', data: { n: 1 } });
  const round = async () => {
    await Promise.all(
      Array.from({ length: tasksPerRound }, async () => {
        const id = randomUUID();
        const seen = ['task.accepted'];
        emitted.set(id, seen);
        api.sink(event(id, 'task.accepted'));
        await new Promise((resolve) => setTimeout(resolve, pickupDelayMs));
        for (const name of names) {
          worker.sink(event(id, name, name === 'task.picked_up' ? null : 'ContentAgent'));
          seen.push(name);
          await turn();
        }
        for (let d = 0; d < deltas; d++) {
          // deltaMaxChars is 16: each chunk is one delta event.
          worker.delta(id, 'ContentAgent', `chunk ${String(d).padStart(3, '0')} of text`);
          seen.push('delta');
          await turn();
        }
        for (const name of ['agent.finished', 'task.completed']) {
          worker.sink(event(id, name, 'ContentAgent'));
          seen.push(name);
          await turn();
        }
      }),
    );
    await Promise.all([api.flush(), worker.flush()]);
    return tasksPerRound * eventsPerTask;
  };
  const m = await measure(round);
  // Every task's stream: numbered 1..n with no gap, in the order the events were emitted.
  let bad = 0;
  for (const [id, names] of emitted) {
    const stored = await store.repositories.taskStream.listAfter(id, 0);
    const ok = stored.length === names.length && stored.every((e, i) => e.seq === i + 1 && e.event === names[i]);
    if (!ok) bad += 1;
  }
  await Promise.all([api.close(), worker.close()]);
  await bus.close();
  const lost = api.lost + worker.lost;
  return ['stream', streamWindowMs, m.events, fmt(m.perS, 0), fmt(m.cpuUs, 0), fmt(m.sysUs, 0), fmt(m.mongo, 2), fmt(m.redis, 2), m.breakdown, bad === 0 && lost === 0 ? `${emitted.size} streams ok` : `${bad} streams wrong, ${lost} lost`];
}

async function counterPart() {
  const counting = new TaskCounting({ counters: store.repositories.taskCounters, logger: quiet, windowMs: counterWindowMs });
  let increments = 0;
  const run = (task, agent_name) => {
    const finished_at = new Date();
    return {
      run_id: randomUUID(),
      task_id: task.task_id,
      session_id: 's',
      kind: agent_name === 'PeerAgent' ? 'router' : 'agent',
      agent_name,
      agent_version: '1',
      model: 'gpt-4o-mini',
      attempt: 1,
      input: 'x',
      output: 'y',
      outcome: 'success',
      error: null,
      usage: [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.0001 }],
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost_usd: 0.0001,
      started_at: new Date(finished_at.getTime() - 10),
      finished_at,
      duration_ms: 10,
    };
  };
  const round = async () => {
    const writes = [];
    await Promise.all(
      Array.from({ length: tasksPerRound }, async () => {
        const now = new Date();
        const task = newTask({ task_id: randomUUID(), session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'bench' }, now });
        writes.push(counting.moved('accept', task));
        await turn();
        Object.assign(task, { status: 'processing', attempts: 1, started_at: new Date(), updated_at: new Date() });
        writes.push(counting.moved('pick_up', task));
        await turn();
        const before = { selected_agent: null, agent_type: null };
        Object.assign(task, { selected_agent: 'ContentAgent', agent_type: 'content', updated_at: new Date() });
        writes.push(counting.moved('route', task, before));
        writes.push(counting.runRecorded(run(task, 'PeerAgent'), task.tenant_id));
        await turn();
        writes.push(counting.runRecorded(run(task, 'ContentAgent'), task.tenant_id));
        await turn();
        const done = new Date();
        Object.assign(task, { status: 'completed', completed_at: done, updated_at: done });
        writes.push(counting.moved('complete', task));
      }),
    );
    await Promise.all(writes);
    await counting.settled();
    increments += writes.length;
    return writes.length;
  };
  const m = await measure(round);
  // The day's document counts every task of the part as completed.
  const day = await store.repositories.taskCounters.day(new Date());
  const expected = tasksPerRound * (rounds + 1);
  const completed = day.tasks.created_by_status.completed;
  return ['counters', counterWindowMs, m.events, fmt(m.perS, 0), fmt(m.cpuUs, 0), fmt(m.sysUs, 0), fmt(m.mongo, 2), '–', m.breakdown, completed === expected ? `${increments} calls; day ok` : `day counts ${JSON.stringify(completed)}, expected ${expected}`];
}
