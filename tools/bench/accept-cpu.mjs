#!/usr/bin/env node
/**
 * CPU time per accepted task of the api (`POST /v1/agent/execute`) and of the minimal handler, on
 * the same MongoDB and Redis (issue 11, goal 1). Throughput is meaningless on a shared machine;
 * CPU per request of the process under test is not (much).
 *
 *   node tools/bench/accept-cpu.mjs [--requests 2000] [--warmup 500] [--concurrency 16] [--rounds 3]
 *                                   [--only api|minimal] [--cpu-prof-dir DIR] [--variant NAME:K=V,K=V ...]
 *                                   [--compare ROOT]
 *
 * Builds nothing: build first (`npx nx run-many -t build -p api`). Starts mongo-java-server (memory
 * backend) and redis-server through tools/services (or uses MONGO_URI / REDIS_URL), then the built
 * api (`apps/api/dist/main.js`, NODE_ENV=production, the rate limit raised but on, as run.mjs does)
 * and `minimal-api.mjs`. Per round and process: `--warmup` untimed requests, then `--requests`
 * requests with `--concurrency` in flight from this process (keep-alive HTTP), the process's
 * utime+stime read from /proc/<pid>/stat before and after, divided by the requests (all must be
 * 202). `--cpu-prof-dir DIR` writes a V8 CPU profile of the api (and of the minimal handler, in DIR/minimal). `--variant NAME:K=V,...` (repeatable)
 * starts one more api with those extra environment variables, measured in the same rounds (an A/B
 * of a setting under the same load). `--compare ROOT` also measures the api built in another checkout
 * (`ROOT/apps/api/dist/main.js`, e.g. a worktree of the commit before a change), in the same rounds.
 * Every process it starts is stopped
 * at the end. Nothing is asserted anywhere.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startMongo } from '../services/mongo.mjs';
import { freePort, sleep } from '../services/net.mjs';
import { stopChild } from '../services/proc.mjs';
import { startRedis } from '../services/redis.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BODY = JSON.stringify({ task: 'Write a python function that returns the nth Fibonacci number, with tests.' });
const TICKS_PER_S = 100; // USER_HZ on Linux

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    compare: { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
  },
});
const REQUESTS = Number(args.requests);
const WARMUP = Number(args.warmup);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);

/** utime + stime of a process in µs (fields 14 and 15 of /proc/<pid>/stat, after the command name). */
function cpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_S;
}

/**
 * Commands Redis has run since it started, and how many of them by name (`INFO commandstats`), so a
 * round's difference divided by its requests is the Redis commands per accepted task (the server is
 * shared by the targets, which run one at a time).
 */
function redisCommands(url) {
  const { hostname, port } = new URL(url);
  return /** @type {Promise<Map<string, number>>} */ (
    new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname);
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('utf8');
        const header = /^\$(\d+)\r\n/.exec(text);
        if (header && Buffer.byteLength(text) >= header[0].length + Number(header[1])) {
          socket.end();
          const calls = new Map();
          for (const m of text.matchAll(/cmdstat_([^:]+):calls=(\d+)/g)) calls.set(m[1], Number(m[2]));
          resolve(calls);
        }
      });
      socket.on('error', reject);
      socket.write('*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n');
    })
  );
}

/** `n` POSTs, `CONCURRENCY` in flight; rejects on any answer but 202. */
async function load(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const headers = { 'content-type': 'application/json', 'user-agent': 'ao-bench/1.0' };
  const post = () =>
    /** @type {Promise<void>} */ (
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/v1/agent/execute', method: 'POST', agent, headers }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(BODY);
      })
    );
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < n) {
          next++;
          await post();
        }
      }),
    );
  } finally {
    agent.destroy();
  }
}

const runDir = mkdtempSync(path.join(os.tmpdir(), 'ao-accept-cpu-'));
/** @type {(() => Promise<void>)[]} */
const closers = [];
const say = (m) => process.stderr.write(`${m}\n`);

async function launch(label, script, env, nodeArgs = [], cwd = ROOT) {
  const port = await freePort();
  const fd = openSync(path.join(runDir, `${label}.log`), 'a');
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd, env: { ...env, PORT: String(port) }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  closers.push(() => stopChild(child, 20_000));
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v1/agent/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      .then((r) => r.status === 400)
      .catch(() => false);
    if (ok) break;
    if (child.exitCode !== null || i > 600) throw new Error(`${label} did not start; log: ${path.join(runDir, `${label}.log`)}`);
    await sleep(100);
  }
  return { port, pid: /** @type {number} */ (child.pid) };
}

try {
  const mongo = await startMongo({ backend: 'mongo-java-server', javaOpts: ['-Xmx2g'], log: (m) => say(`mongo: ${m}`) });
  closers.push(() => mongo.stop());
  const redis = await startRedis({ log: (m) => say(`redis: ${m}`) });
  closers.push(() => redis.stop());
  const tag = randomBytes(3).toString('hex');
  const env = (db, redisDb) => ({
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    APP_ENV: 'bench',
    HOST: '127.0.0.1',
    MONGO_URI: mongo.uri,
    MONGO_DB_NAME: `ao_bench_cpu_${tag}_${db}`,
    REDIS_URL: `${redis.url.replace(/\/\d*$/, '')}/${redisDb}`,
  });
  const targets = [];
  if (args.only !== 'minimal') {
    const profile = args['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof-dir']}`] : [];
    targets.push({ label: 'api', ...(await launch('api', path.join(ROOT, 'apps/api/dist/main.js'), { ...env('api', 1), API_RATE_LIMIT_PER_MINUTE: '1000000' }, profile)) });
    let redisDb = 3;
    for (const spec of args.variant ?? []) {
      const [name, vars = ''] = spec.split(/:(.*)/s);
      const extra = Object.fromEntries(vars.split(',').filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
      const label = `api ${name}`;
      targets.push({ label, ...(await launch(label, path.join(ROOT, 'apps/api/dist/main.js'), { ...env(name, redisDb++), API_RATE_LIMIT_PER_MINUTE: '1000000', ...extra })) });
    }
  }
  if (args.compare && args.only !== 'minimal') {
    const other = path.resolve(args.compare);
    const label = `api ${path.basename(other)}`;
    targets.push({ label, ...(await launch(label, path.join(other, 'apps/api/dist/main.js'), { ...env('compare', 15), API_RATE_LIMIT_PER_MINUTE: '1000000' }, [], other)) });
  }
  if (args.only !== 'api') {
    // Profiled too (in DIR/minimal), so the two profiles can be compared package by package.
    const profile = args['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(args['cpu-prof-dir'], 'minimal')}`] : [];
    targets.push({ label: 'minimal', ...(await launch('minimal', path.join(HERE, 'minimal-api.mjs'), env('minimal', 2), profile)) });
  }
  /** @type {Record<string, number[]>} */
  const figures = {};
  /** @type {Record<string, number[]>} */
  const redisFigures = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      await load(t.port, WARMUP);
      const redisBefore = await redisCommands(redis.url);
      const before = cpuUs(t.pid);
      const started = performance.now();
      await load(t.port, REQUESTS);
      const seconds = (performance.now() - started) / 1000;
      const us = (cpuUs(t.pid) - before) / REQUESTS;
      const redisAfter = await redisCommands(redis.url);
      const perTask = [...redisAfter]
        .map(([name, calls]) => [name, (calls - (redisBefore.get(name) ?? 0)) / REQUESTS])
        .filter(([name, x]) => name !== 'info' && Number(x) >= 0.005);
      const redisTotal = perTask.reduce((sum, [, x]) => sum + Number(x), 0);
      (figures[t.label] ??= []).push(us);
      (redisFigures[t.label] ??= []).push(redisTotal);
      say(
        `round ${round} ${t.label}: ${us.toFixed(0)} µs CPU per accepted task (${(REQUESTS / seconds).toFixed(0)} req/s here; load ${os.loadavg()[0].toFixed(2)}); ` +
          `Redis commands per task ${redisTotal.toFixed(2)} (${perTask.map(([name, x]) => `${name} ${Number(x).toFixed(2)}`).join(', ')})`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('| process | µs CPU per accepted task, each round | median | Redis commands per task (median) |');
  console.log('| --- | --- | ---: | ---: |');
  for (const [label, xs] of Object.entries(figures)) {
    console.log(`| ${label} | ${xs.map((x) => x.toFixed(0)).join(' / ')} | ${median(xs).toFixed(0)} | ${median(redisFigures[label] ?? [0]).toFixed(2)} |`);
  }
  console.log(`\n${REQUESTS} requests per round after ${WARMUP} warm-up, ${CONCURRENCY} in flight; mongo-java-server ${mongo.kind === 'external' ? '(MONGO_URI)' : '(memory backend)'}; Node ${process.version}`);
} finally {
  for (const close of closers.reverse()) await close().catch((err) => say(`stop: ${err}`));
}
