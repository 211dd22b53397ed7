#!/usr/bin/env node
/**
 * CPU time of the api process per accepted task (`POST /v1/agent/execute`), for several settings
 * of the environment, one api process each, on the same servers: on a shared machine, CPU per task
 * of the process under test is what can be compared, not throughput. Starts the built api
 * (`apps/api/dist/main.js`, so build first: `npx nx run-many -t build -p api`), sends `--requests`
 * accepts with `--concurrency` in flight (keep-alive HTTP from this process, whose CPU is not
 * counted), and reads the api's utime + stime from /proc/<pid>/stat before and after, once the
 * write windows have been flushed.
 *
 *   node tools/bench/accept-cpu.mjs                                  # windows off, then the defaults
 *   node tools/bench/accept-cpu.mjs --settings 'STREAM_WRITE_WINDOW_MS=0,COUNTERS_WRITE_WINDOW_MS=0;STREAM_WRITE_WINDOW_MS=10' --runs 3
 *
 * `--settings`: `;`-separated runs, each `,`-separated `NAME=value` pairs added to the api's
 * environment (an empty one: the defaults); the pseudo-variable `main=/path/to/main.js` runs another
 * build of the api instead (e.g. one of an earlier commit, to compare before and after in one run).
 * `--runs N` repeats the list, interleaved, so that a change of the machine's load hits every
 * setting alike. Linux only (/proc).
 *
 * Servers: `MONGO_URI` / `REDIS_URL` when set, else tools/services starts mongo-java-server
 * (`--mongo ferretdb` for FerretDB) and redis-server on free ports, stopped at the end. Each api
 * process gets a database of its own (`ao_bench_accept_<tag>_<n>`), dropped at the end, and the
 * Redis logical database 5.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, markdownTable } from './lib.mjs';
import { freePort } from '../services/net.mjs';
import { startMongo } from '../services/mongo.mjs';
import { startRedis } from '../services/redis.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BODY = JSON.stringify({ task: 'Write a python function that returns the nth Fibonacci number, with tests.' });

const { values: args } = parseArgs({
  options: {
    settings: { type: 'string', default: 'STREAM_WRITE_WINDOW_MS=0,COUNTERS_WRITE_WINDOW_MS=0;' },
    requests: { type: 'string', default: '1500' },
    warmup: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '16' },
    runs: { type: 'string', default: '1' },
    mongo: { type: 'string', default: 'mongo-java-server' },
  },
});
const requests = Number(args.requests);
const warmup = Number(args.warmup);
const concurrency = Number(args.concurrency);
const runs = Math.max(1, Number(args.runs));
/** @type {Record<string, string>[]} */
const settings = String(args.settings)
  .split(';')
  .map((run) =>
    Object.fromEntries(
      run
        .split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => /** @type {[string, string]} */ (pair.split('=', 2))),
    ),
  );
const CLK_TCK = 100;
const tag = randomBytes(3).toString('hex');
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

/** utime + stime of a process, in seconds. @param {number} pid */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

const mongo = await startMongo({ backend: process.env.MONGO_URI ? undefined : args.mongo, log: () => undefined });
const redis = await startRedis({ log: () => undefined });
const redisUrl = `${redis.url.replace(/\/\d*$/, '')}/5`;
/** @type {Map<string, number[]>} */
const perTask = new Map();
const databases = [];
let n = 0;
try {
  for (let r = 0; r < runs; r++) {
    for (const env of settings) {
      const label = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults';
      const db = `ao_bench_accept_${tag}_${n++}`;
      databases.push(db);
      const us = await measure(env, db);
      perTask.set(label, [...(perTask.get(label) ?? []), us]);
      log(`${label}: ${fmt(us, 0)} µs of api CPU per accepted task`);
    }
  }
} finally {
  await dropDatabases();
  await mongo.stop();
  await redis.stop();
}

const rows = [...perTask].map(([label, all]) => [label, all.map((x) => fmt(x, 0)).join(' / '), fmt(all.reduce((a, b) => a + b, 0) / all.length, 0), String(Math.round(Math.min(...all)))]);
process.stdout.write(`${markdownTable(['api environment', 'CPU µs per accepted task, each run', 'mean', 'min'], rows, ['left', 'left', 'right', 'right'])}\n`);

/**
 * @param {Record<string, string>} settings
 * @param {string} db
 */
async function measure(settings, db) {
  const { main = path.join(ROOT, 'apps/api/dist/main.js'), ...extra } = settings;
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', APP_ENV: 'bench', MONGO_URI: mongo.uri, MONGO_DB_NAME: db, REDIS_URL: redisUrl, PORT: String(port), HOST: '127.0.0.1', API_RATE_LIMIT_PER_MINUTE: '1000000', ...extra };
  const api = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const post = () =>
      /** @type {Promise<number>} */ (
        new Promise((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, path: '/v1/agent/execute', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(BODY);
        })
      );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await new Promise((resolve) => http.get({ host: '127.0.0.1', port, path: '/readyz' }, (res) => (res.resume(), resolve(res.statusCode === 200))).on('error', () => resolve(false)));
      if (ok) break;
      if (Date.now() > deadline || api.exitCode !== null) throw new Error('the api did not become ready');
      await sleep(200);
    }
    /** @param {number} count */
    const load = async (count) => {
      let next = 0;
      let failed = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            next += 1;
            if ((await post()) !== 202) failed += 1;
          }
        }),
      );
      if (failed > 0) throw new Error(`${failed} of ${count} accepts were not 202`);
    };
    await load(warmup);
    await sleep(500);
    const before = cpuSeconds(/** @type {number} */ (api.pid));
    await load(requests);
    // The write windows (and the writes they started) end within this.
    await sleep(500);
    const after = cpuSeconds(/** @type {number} */ (api.pid));
    agent.destroy();
    return ((after - before) * 1e6) / requests;
  } finally {
    api.kill('SIGTERM');
    await new Promise((resolve) => (api.exitCode !== null ? resolve(undefined) : api.once('exit', resolve)));
  }
}

async function dropDatabases() {
  const requireFromPersistence = createRequire(path.join(ROOT, 'libs/persistence/package.json'));
  /** @type {any} */
  const mongoose = requireFromPersistence('mongoose');
  const client = await mongoose.mongo.MongoClient.connect(mongo.uri);
  try {
    for (const db of databases) await client.db(db).dropDatabase();
  } finally {
    await client.close();
  }
}
