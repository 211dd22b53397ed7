#!/usr/bin/env node
// The benchmark of issue 11 ("Fast by design"): the real api and worker, and anchors, on the same
// servers, in one table. See tools/bench/README.md.
//
//   node tools/bench/run.mjs [--connections 32] [--duration-s 20] [--tasks 200] [--provider-latency-ms 500]
//                            [--worker-concurrency N] [--sizes 10000,100000,1000000] [--requests 20] [--warmup 3]
//                            [--mongo mongo-java-server|ferretdb] [--mongo-heap 14g] [--only accept,worker,reads]
//                            [--time-limit-s 3600] [--no-build] [--json FILE] [--keep]
//
// 1. accept: POST /v1/agent/execute with autocannon (N connections, T seconds, after a 3 s warm-up)
//    against the project's api and against tools/bench/minimal-api.mjs (validate, one insert, one
//    Bull add, 202); then each again at half its own max rate for its p99, paced evenly and measured
//    from when each request was due (paced-load.mjs, open loop). Peak RSS of each process.
// 2. worker: M tasks through the api to one worker at its default settings (WORKER_CONCURRENCY only
//    with --worker-concurrency), OpenAI- and Tavily-compatible stubs answering at once, then with
//    --provider-latency-ms on every LLM call (router and agent calls). Completions/s from the stored
//    timestamps. Anchors: the ceiling the provider latency allows at that concurrency, and
//    tools/bench/minimal-worker.mjs (Bull, LangGraph, ChatOpenAI and @tavily/core making the same
//    provider calls, two raw driver writes, nothing else) behind minimal-api.mjs, same concurrency.
// 3. reads: tasks seeded straight into MongoDB (task documents shaped as the api and worker write
//    them; a fixed number today with statuses and agents spread over the day, the rest history),
//    growing through --sizes; p95 of sequential GET /v1/tasks and GET /v1/system/metrics at each
//    size; the anchor of the list is the same page read straight with the driver.
//
// Servers: MONGO_URI / REDIS_URL when set; otherwise tools/services starts mongo-java-server
// (--mongo ferretdb for FerretDB) and redis-server, on 127.0.0.1. Every process it starts is
// stopped at the end, on error, on SIGINT/SIGTERM and at --time-limit-s.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startMongo } from '../services/mongo.mjs';
import { errorMessage, freePort, sleep } from '../services/net.mjs';
import { stopChild, which } from '../services/proc.mjs';
import { startRedis } from '../services/redis.mjs';
import { fmt, markdownTable, mulberry32, parseSizes, percentile, shortCount, statCpuTicks, statusKiB } from './lib.mjs';
import { pacedLoad } from './paced-load.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
// autocannon is a dependency of the repository (root package.json); the built apps and libraries are
// loaded as their own packages resolve them, through these, as runtime values deliberately untyped
// here (tools are not compiled against the libraries' sources).
const require = createRequire(import.meta.url);
const requireFromApi = createRequire(path.join(ROOT, 'apps/api/package.json'));
const requireFromWorker = createRequire(path.join(ROOT, 'apps/worker/package.json'));
const requireFromMessaging = createRequire(path.join(ROOT, 'libs/messaging/package.json'));

const USAGE = `Usage: node tools/bench/run.mjs [options]   (see tools/bench/README.md)
  --connections 32             autocannon connections (accept)
  --duration-s 20              seconds of each accept run (after a 3 s warm-up)
  --tasks 200                  tasks through the worker, per worker run
  --provider-latency-ms 500    delay of every LLM call in the second worker run
  --worker-concurrency N       WORKER_CONCURRENCY (default: the worker's own default)
  --sizes 10000,100000,1000000 database sizes of the reads phase
  --today 2000                 tasks created today in the reads phase
  --requests 20 --warmup 3     timed / untimed sequential GETs per size
  --read-budget-s 180          time budget of the timed GETs per endpoint and size
  --mongo mongo-java-server    or ferretdb (MONGO_URI, when set, wins)
  --mongo-heap 4g              -Xmx of mongo-java-server (16g for sizes >= 500k)
  --mongo-gc zgc               the JVM collector of mongo-java-server: zgc (pauses under 1 ms) or g1
                               (the JVM's default: 30-150 ms pauses every few seconds under this load)
  --only accept,worker,reads   phases to run
  --time-limit-s 3600          stop everything after this long
  --no-build                   use the existing apps/*/dist builds
  --json FILE                  write the full report as JSON
  --keep                       keep the databases and the logs
  -h, --help                   this text`;

/** @type {ReturnType<typeof parseBenchArgs>['values']} */
let args;
try {
  ({ values: args } = parseBenchArgs());
} catch (err) {
  process.stderr.write(`${errorMessage(err)}\n\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
function parseBenchArgs() {
  return parseArgs({
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      connections: { type: 'string', default: '32' },
      'duration-s': { type: 'string', default: '20' },
      tasks: { type: 'string', default: '200' },
      'provider-latency-ms': { type: 'string', default: '500' },
      'worker-concurrency': { type: 'string' },
      sizes: { type: 'string', default: '10000,100000,1000000' },
      today: { type: 'string', default: '2000' },
      requests: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      'read-budget-s': { type: 'string', default: '180' },
      mongo: { type: 'string', default: 'mongo-java-server' },
      'mongo-heap': { type: 'string' },
      'mongo-gc': { type: 'string', default: 'zgc' },
      only: { type: 'string', default: 'accept,worker,reads' },
      'time-limit-s': { type: 'string', default: '3600' },
      'no-build': { type: 'boolean', default: false },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
}
const int = (name, min) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${args[name]}"`);
  return n;
};
const CONNECTIONS = int('connections', 1);
const DURATION_S = int('duration-s', 1);
const TASKS = int('tasks', 1);
const PROVIDER_LATENCY_MS = int('provider-latency-ms', 0);
const WORKER_CONCURRENCY = args['worker-concurrency'] === undefined ? undefined : int('worker-concurrency', 1);
const SIZES = parseSizes(args.sizes);
const TODAY_COUNT = int('today', 1);
const REQUESTS = int('requests', 1);
const WARMUP = int('warmup', 0);
const READ_BUDGET_MS = int('read-budget-s', 1) * 1000;
const TIME_LIMIT_MS = int('time-limit-s', 60) * 1000;
const PHASES = new Set(args.only.split(',').map((s) => s.trim()));
for (const p of PHASES) if (!['accept', 'worker', 'reads'].includes(p)) throw new Error(`--only takes accept, worker, reads; got "${p}"`);
if (!['mongo-java-server', 'ferretdb'].includes(args.mongo)) throw new Error(`--mongo must be mongo-java-server or ferretdb, got "${args.mongo}"`);
// 1M task documents take several GiB of JVM heap in mongo-java-server's memory backend.
const LARGEST_SIZE = Math.max(...SIZES);
const MONGO_HEAP = args['mongo-heap'] ?? (LARGEST_SIZE >= 500_000 && PHASES.has('reads') ? '16g' : '4g');
// mongo-java-server's memory backend keeps every document on the JVM heap; with G1 (the default) its
// young collections pause it 30-150 ms every few seconds under the accept load, and those pauses, not
// the system under test, set any p99 (the minimal handler's too). ZGC's pauses are under 1 ms.
const MONGO_GC = args['mongo-gc'];
if (MONGO_GC !== 'zgc' && MONGO_GC !== 'g1') throw new Error(`--mongo-gc must be zgc or g1, got ${MONGO_GC}`);
const TERMINAL = ['completed', 'failed', 'cancelled'];

const started = Date.now();
const deadline = started + TIME_LIMIT_MS;
const say = (msg) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
const loadavg = () => os.loadavg().map((x) => x.toFixed(2));

// ---------------------------------------------------------------------------------------------
// Everything started here is stopped by cleanup(), whatever happens.

const children = new Set(); // { label, child }
const closers = []; // async () => void, run in reverse order
let cleaning;
function cleanup() {
  return (cleaning ??= (async () => {
    clearInterval(rssTimer);
    await Promise.allSettled([...children].map(({ child }) => stopChild(child, 15_000)));
    for (const close of closers.reverse()) await close().catch((err) => say(`cleanup: ${err.message}`));
  })());
}
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    say(`${sig}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}
const limitTimer = setTimeout(() => {
  say(`--time-limit-s ${TIME_LIMIT_MS / 1000} reached: stopping everything`);
  void cleanup().finally(() => process.exit(124));
}, TIME_LIMIT_MS);
limitTimer.unref();

// Peak RSS per label, sampled from /proc/<pid>/status every 200 ms.
const rssPeakKiB = new Map();
const watched = new Map(); // label -> pid
const rssTimer = setInterval(() => {
  for (const [label, pid] of watched) {
    try {
      const kib = statusKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (kib !== null && kib > (rssPeakKiB.get(label) ?? 0)) rssPeakKiB.set(label, kib);
    } catch {
      /* exited meanwhile, or no /proc */
    }
  }
}, 200);
/** CPU time (user + system) of a watched process so far, in ms; null when it cannot be read. */
const CLK_TCK = 100; // Linux's USER_HZ, what /proc/<pid>/stat counts in (getconf CLK_TCK)
function cpuMs(label) {
  const pid = watched.get(label);
  if (pid === undefined) return null;
  try {
    const ticks = statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ticks === null ? null : (ticks * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}
/** CPU ms a process spent per unit of work between two cpuMs readings; null when either is missing. */
const cpuPer = (before, after, units) => (before === null || after === null || units <= 0 ? null : (after - before) / units);
const peakMiB = (label) => (rssPeakKiB.has(label) ? rssPeakKiB.get(label) / 1024 : null);

const runDir = mkdtempSync(path.join(os.tmpdir(), 'ao-bench-'));
const setpriv = process.platform === 'linux' ? which('setpriv', ['/usr/bin', '/bin']) : null;

/** Starts a node script as a tracked child (killed with us: setpriv --pdeathsig), output to runDir/<label>.log. */
function launch(label, script, env, { stdout = 'file' } = {}) {
  const fd = openSync(path.join(runDir, `${label}.log`), 'a');
  // BENCH_WORKER_NODE_ARGS / BENCH_API_NODE_ARGS: node flags for the worker / the api only, e.g. the
  // worker image's `--max-old-space-size=160`, or `--cpu-prof --cpu-prof-dir=DIR`.
  // Every api process of the run (api, api-w, api-r) takes BENCH_API_NODE_ARGS; the worker's anchor
  // (minimal-worker) takes BENCH_WORKER_NODE_ARGS too, so a heap cap applies to both.
  const flags = label === 'worker' || label === 'minimal-worker' ? process.env.BENCH_WORKER_NODE_ARGS : label.startsWith('api') ? process.env.BENCH_API_NODE_ARGS : undefined;
  const nodeArgs = flags ? flags.split(' ').filter(Boolean) : [];
  const cmd = [process.execPath, ...nodeArgs, script];
  // setpriv execs the program, so the pid is node's own (what the RSS sampler reads).
  const [bin, argv] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', ...cmd]] : [cmd[0], cmd.slice(1)];
  const child = spawn(bin, argv, { cwd: ROOT, env, stdio: ['ignore', stdout === 'pipe' ? 'pipe' : fd, fd] });
  closeSync(fd);
  const entry = { label, child };
  children.add(entry);
  if (child.pid) watched.set(label, child.pid);
  child.once('exit', (code, signal) => {
    if (!entry.stopping) say(`${label} exited (${signal ?? `code ${code}`}); log: ${path.join(runDir, `${label}.log`)}`);
  });
  return {
    label,
    child,
    stop: async () => {
      entry.stopping = true;
      await stopChild(child, 20_000);
      children.delete(entry);
      watched.delete(label);
    },
  };
}

async function waitFor(what, fn, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (logs in ${runDir})`);
    await sleep(200);
  }
}
const ready = (base) => waitFor(`${base}/readyz`, async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) })).ok);

// ---------------------------------------------------------------------------------------------
// Build, servers, stubs

/**
 * What one run measured (written with --json; the table is rendered from it).
 * @typedef {{ accepts_per_s: number, p50_ms: number, p99_ms: number, non_2xx: number, errors: number, half_rate_per_s: number,
 *   half_rate_achieved_per_s: number, half_rate_p50_ms: number, half_rate_p99_ms: number, half_rate_non_2xx: number,
 *   tasks_stored: number, rss_peak_mib?: number | null }} AcceptResult
 * @typedef {{ provider_latency_ms: number, completions_per_s: number, span_s: number, completed: number,
 *   not_completed: Record<string, number>, llm_calls_per_task: number, search_calls_per_task: number,
 *   ceiling_per_s: number | null }} WorkerRun
 * @typedef {{ requests: number, warmups: number, p50_ms: number, p95_ms: number, max_ms: number | undefined,
 *   incomplete: number, problem: string | null }} GetTimings
 * @typedef {{ tasks: number, seed_s: number, list: GetTimings, metrics: GetTimings, raw_list_p95_ms: number }} ReadsAtSize
 * @typedef {object} Report
 * @property {string} started_at
 * @property {{ cpus: number, model: string | null, mem_gib: number, node: string }} machine
 * @property {string | null} [commit]
 * @property {string[]} load_before
 * @property {Record<string, string[]>} [load_at_start_of]
 * @property {string[]} [load_after]
 * @property {{ connections: number, duration_s: number, tasks: number, provider_latency_ms: number,
 *   worker_concurrency: number | 'default', sizes: number[], today: number, requests: number, warmup: number }} options
 * @property {{ mongo: string, mongo_kind: string, redis: string }} [servers]
 * @property {{ project?: AcceptResult, minimal?: AcceptResult }} accept
 * @property {{ concurrency?: number | null, instant?: WorkerRun, latency?: WorkerRun, rss_peak_mib?: number | null,
 *   api_rss_peak_mib?: number | null, minimal?: { instant: WorkerRun, latency: WorkerRun, rss_peak_mib?: number | null } }} worker
 * @property {ReadsAtSize[]} reads
 * @property {number | null} [reads_api_rss_peak_mib]
 * @property {number | null} [mongo_rss_peak_mib]
 * @property {number} [duration_s]
 * @property {string[]} notes
 * @property {string} [error]
 */
/** @type {Report} */
const report = {
  started_at: new Date(started).toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? null, mem_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  load_before: loadavg(),
  options: {
    connections: CONNECTIONS,
    duration_s: DURATION_S,
    tasks: TASKS,
    provider_latency_ms: PROVIDER_LATENCY_MS,
    worker_concurrency: WORKER_CONCURRENCY ?? 'default',
    sizes: SIZES,
    today: TODAY_COUNT,
    requests: REQUESTS,
    warmup: WARMUP,
  },
  accept: {},
  worker: {},
  reads: [],
  notes: [],
};
try {
  report.commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || null;
} catch {
  report.commit = null;
}

let exitCode = 0;
try {
  if (!args['no-build']) {
    say('building api and worker (npx nx run-many -t build -p api worker)');
    const build = spawnSync('npx', ['--yes', 'nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NX_NO_CLOUD: 'true' },
      timeout: 15 * 60_000,
    });
    if (build.status !== 0) throw new Error('build failed');
  }
  for (const app of ['api', 'worker']) {
    try {
      readFileSync(path.join(ROOT, 'apps', app, 'dist', 'main.js'));
    } catch {
      throw new Error(`apps/${app}/dist/main.js is missing: build first (or drop --no-build)`);
    }
  }
  const { startOpenAiStub } = require(path.join(ROOT, 'libs/agents-core/dist/testing/openai-stub.js'));
  const { startTavilyStub, defaultTavilyResults } = require(path.join(ROOT, 'libs/agent-content/dist/testing/tavily-stub.js'));
  const { MongoClient } = requireFromApi('mongodb');
  const autocannon = require('autocannon');

  const quietLog = (prefix) => (m) => say(`${prefix}: ${m}`);
  const mongo = await startMongo({ backend: args.mongo, javaOpts: [`-Xmx${MONGO_HEAP}`, MONGO_GC === 'zgc' ? '-XX:+UseZGC' : '-XX:+UseG1GC'], log: quietLog('mongo') });
  closers.push(() => mongo.stop());
  if (mongo.pid) watched.set('mongo-java-server', mongo.pid);
  const redis = await startRedis({ log: quietLog('redis') });
  closers.push(() => redis.stop());
  const mongoClient = await MongoClient.connect(mongo.uri, { socketTimeoutMS: 0 });
  closers.push(() => mongoClient.close());
  const buildInfo = await mongoClient.db('admin').command({ buildInfo: 1 });
  const serverName =
    mongo.kind === 'mongo-java-server'
      ? `mongo-java-server 1.47 (memory backend, -Xmx${MONGO_HEAP}, ${MONGO_GC === 'zgc' ? 'ZGC' : 'G1'}, reports ${buildInfo.version})`
      : 'ferretdbVersion' in buildInfo
        ? `FerretDB ${buildInfo.ferretdbVersion} (SQLite)`
        : `MongoDB ${buildInfo.version} (${mongo.kind})`;
  report.servers = { mongo: serverName, mongo_kind: mongo.kind, redis: redis.kind };
  say(`servers: ${serverName}; redis ${redis.kind}`);

  const tag = randomBytes(3).toString('hex');
  const dbNames = [];
  const dbName = (phase) => {
    const name = `ao_bench_${tag}_${phase}`;
    dbNames.push(name);
    return name;
  };
  /**
   * Drops a finished phase's databases at once (unless --keep): the in-memory server holds every
   * document on its heap, and the reads phase's 1M tasks need that room (with the accept phase's
   * ~100k tasks still there, a 16g heap stalled long enough for connections to time out).
   */
  const dropNow = async (...names) => {
    if (args.keep) return;
    for (const name of names)
      await mongoClient
        .db(name)
        .dropDatabase()
        .catch(() => undefined);
  };
  if (!args.keep)
    closers.push(async () => {
      for (const name of dbNames)
        await mongoClient
          .db(name)
          .dropDatabase()
          .catch(() => undefined);
    });
  /** The Redis URL with its own logical database per phase, so no phase sees another's queue. */
  const redisDb = (n) => {
    const u = new URL(redis.url);
    u.pathname = `/${n}`;
    return u.toString();
  };
  const usedRedisDbs = [];
  if (!args.keep && redis.kind === 'external') {
    closers.push(async () => {
      const Redis = requireFromMessaging('ioredis');
      for (const n of usedRedisDbs) {
        const r = new Redis(redisDb(n), { lazyConnect: true, maxRetriesPerRequest: 1 });
        await r
          .connect()
          .then(() => r.flushdb())
          .catch(() => undefined);
        r.disconnect();
      }
    });
  }

  // Provider stubs: structured answers as the router and the agents expect them (see tools/chaos).
  let llmDelayMs = 0;
  const calls = { llm: 0, search: 0 };
  const openai = await startOpenAiStub((req) => {
    calls.llm++;
    const delayMs = llmDelayMs;
    const usage = { prompt_tokens: 300, completion_tokens: 120 };
    if (req.schemaName === 'route_decision') {
      if (req.lastUser.includes('essay')) return { json: { agent_name: 'ContentAgent', confidence: 0.9, reasoning: 'Long-form writing.' }, usage, delayMs };
      return { json: { agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'Asks for code.' }, usage, delayMs };
    }
    if (req.schemaName === 'search_queries') return { json: { queries: ['queue reliability'] }, usage, delayMs };
    if (req.schemaName)
      return { json: { language: 'python', mode: 'generate', summary: 'Prints a number.', content: '```python\nprint(42)\n```' }, usage, delayMs };
    return { content: 'Queues need acknowledgements [1] and idempotent consumers [2].', usage, delayMs };
  });
  openai.requests.push = () => 0; // the stub records every request; nothing here reads them
  closers.push(() => openai.close());
  const tavily = await startTavilyStub((req) => {
    calls.search++;
    return { results: defaultTavilyResults(req.query, req.maxResults) };
  });
  closers.push(() => tavily.close());

  const commonEnv = (db, redisN) => {
    usedRedisDbs.push(redisN);
    // BENCH_APP_ENV: extra settings (a JSON object) for the api and the worker, e.g. '{"STREAM_WRITE_WINDOW_MS":"0"}'.
    const extra = process.env.BENCH_APP_ENV ? JSON.parse(process.env.BENCH_APP_ENV) : {};
    return { PATH: process.env.PATH ?? '', NODE_ENV: 'production', APP_ENV: 'bench', MONGO_URI: mongo.uri, MONGO_DB_NAME: db, REDIS_URL: redisDb(redisN), ...extra };
  };
  // Raised, not switched off (0): the limiter's Redis check stays on the path, as in production.
  const apiEnv = (db, redisN, port) => ({ ...commonEnv(db, redisN), PORT: String(port), HOST: '127.0.0.1', API_RATE_LIMIT_PER_MINUTE: '1000000' });
  const workerEnv = (db, redisN) => ({
    ...commonEnv(db, redisN),
    OPENAI_API_KEY: 'sk-bench-0123456789abcdef',
    OPENAI_BASE_URL: openai.url,
    TAVILY_API_KEY: 'tvly-bench-0123456789abcdef',
    TAVILY_BASE_URL: tavily.url,
    WORKER_METRICS_PORT: '0', // any free port: the default 9464 may be taken on a shared machine
    ...(WORKER_CONCURRENCY === undefined ? {} : { WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) }),
  });
  async function startApi(label, db, redisN) {
    const port = await freePort();
    const proc = launch(label, path.join(ROOT, 'apps/api/dist/main.js'), apiEnv(db, redisN, port));
    const base = `http://127.0.0.1:${port}`;
    await ready(base);
    return { ...proc, base };
  }

  // -------------------------------------------------------------------------------------------
  // 1. accept

  const BODY = JSON.stringify({ task: 'Write a python function that returns the nth Fibonacci number, with tests.' });
  const cannon = (url, opts) =>
    autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ao-bench/1.0' },
      body: BODY,
      connections: CONNECTIONS,
      ...opts,
    });
  async function acceptRuns(label, base, db) {
    const url = `${base}/v1/agent/execute`;
    say(`${label}: warm-up 3 s`);
    await cannon(url, { duration: 3 });
    say(`${label}: ${CONNECTIONS} connections for ${DURATION_S} s`);
    const cpuBefore = cpuMs(label);
    const max = await cannon(url, { duration: DURATION_S });
    const cpuAfter = cpuMs(label);
    const rate = max['2xx'] / max.duration;
    const half = Math.max(1, Math.floor(rate / 2));
    say(
      `${label}: ${fmt(rate)} accepts/s (p50 ${max.latency.p50} ms, p99 ${max.latency.p99} ms, non-2xx ${max.non2xx}, errors ${max.errors}); now ${half}/s for ${DURATION_S} s`,
    );
    // Paced, open loop (paced-load.mjs): autocannon's overallRate is a full-speed burst each second.
    const limited = await pacedLoad({ url, rate: half, durationS: DURATION_S, body: BODY, headers: { 'content-type': 'application/json', 'user-agent': 'ao-bench/1.0' } });
    const stored = await mongoClient.db(db).collection('tasks').estimatedDocumentCount();
    const r = {
      accepts_per_s: rate,
      p50_ms: max.latency.p50,
      p99_ms: max.latency.p99,
      non_2xx: max.non2xx,
      errors: max.errors + max.timeouts,
      half_rate_per_s: half,
      half_rate_achieved_per_s: limited.achievedPerS,
      half_rate_p50_ms: limited.p50,
      half_rate_p99_ms: limited.p99,
      half_rate_non_2xx: limited.non2xx + limited.errors,
      tasks_stored: stored,
      // CPU of the server process per request answered during the max-rate run (all answers, 2xx or not).
      cpu_ms_per_request: cpuPer(cpuBefore, cpuAfter, max['2xx'] + max.non2xx),
    };
    say(`${label}: at ${half}/s p99 ${r.half_rate_p99_ms} ms (slowest answer of each second: ${limited.worstPerSecond.join(' ')} ms); ${stored} tasks stored in all`);
    return r;
  }

  if (PHASES.has('accept')) {
    report.load_at_start_of = { accept: loadavg() };
    const db = dbName('accept');
    const api = await startApi('api', db, 1);
    report.accept.project = await acceptRuns('api', api.base, db);
    report.accept.project.rss_peak_mib = peakMiB('api');
    await api.stop();

    const dbMin = dbName('minimal');
    const port = await freePort();
    const minimal = launch('minimal', path.join(HERE, 'minimal-api.mjs'), { ...commonEnv(dbMin, 2), PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      'the minimal handler',
      async () => (await fetch(`${base}/v1/agent/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status === 400,
    );
    report.accept.minimal = await acceptRuns('minimal', base, dbMin);
    report.accept.minimal.rss_peak_mib = peakMiB('minimal');
    await minimal.stop();
    await dropNow(db, dbMin);
  }

  // -------------------------------------------------------------------------------------------
  // 2. worker

  if (PHASES.has('worker')) {
    (report.load_at_start_of ??= {}).worker = loadavg();
    const db = dbName('worker');
    const api = await startApi('api-w', db, 3);
    const worker = launch('worker', path.join(ROOT, 'apps/worker/dist/main.js'), workerEnv(db, 3));
    await waitFor(
      'the worker to register',
      async () => /** @type {{ data: unknown[] }} */ (await (await fetch(`${api.base}/v1/agents`)).json()).data.length > 0,
      90_000,
    );
    let concurrency = WORKER_CONCURRENCY;
    if (concurrency === undefined) {
      try {
        const { loadWorkerConfig } = requireFromWorker('@agent-orchestrator/config');
        concurrency = loadWorkerConfig(workerEnv(db, 3)).concurrency;
      } catch (err) {
        report.notes.push(`could not read the worker's default concurrency: ${errorMessage(err)}`);
      }
    }
    report.worker.concurrency = concurrency ?? null;
    const kinds = ['Write a python function that returns {n}', 'Write an essay on queue reliability, part {n}'];

    /** One batch of TASKS tasks through `target` (the project's api and worker, or the anchors). */
    async function workerRun(target, name, delay) {
      const tasks = mongoClient.db(target.db).collection('tasks');
      llmDelayMs = delay;
      calls.llm = 0;
      calls.search = 0;
      const ids = [];
      let next = 0;
      say(`${target.worker} (${name}): submitting ${TASKS} tasks, ${delay} ms per LLM call`);
      const cpuBefore = { worker: cpuMs(target.worker), api: cpuMs(target.api) };
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < TASKS) {
            const n = next++;
            const res = await fetch(`${target.base}/v1/agent/execute`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ task: kinds[n % 2].replace('{n}', String(n)) }),
            });
            if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
            ids.push(/** @type {{ task_id: string }} */ (await res.json()).task_id);
          }
        }),
      );
      const limit = Math.min(deadline - 60_000, Date.now() + Math.max(120_000, ((TASKS * (delay * 3 + 200)) / Math.max(1, concurrency ?? 1)) * 3));
      let done = 0;
      let said = Date.now();
      while (done < TASKS) {
        if (Date.now() > limit) throw new Error(`${target.worker} (${name}): only ${done} of ${TASKS} tasks terminal before the time limit`);
        await sleep(250);
        done = await tasks.countDocuments({ task_id: { $in: ids }, status: { $in: TERMINAL } });
        if (Date.now() - said > 15_000) {
          say(`${target.worker} (${name}): ${done}/${TASKS} terminal`);
          said = Date.now();
        }
      }
      const cpuAfter = { worker: cpuMs(target.worker), api: cpuMs(target.api) };
      const docs = await tasks
        .find({ task_id: { $in: ids } }, { projection: { _id: 0, status: 1, created_at: 1, completed_at: 1, 'error.type': 1 } })
        .toArray();
      const first = Math.min(...docs.map((d) => d.created_at.getTime()));
      const last = Math.max(...docs.map((d) => (d.completed_at ?? d.created_at).getTime()));
      /** @type {Record<string, number>} */
      const failed = {};
      for (const d of docs) if (d.status !== 'completed') failed[d.error?.type ?? d.status] = (failed[d.error?.type ?? d.status] ?? 0) + 1;
      const providerMsPerTask = (delay * calls.llm) / TASKS;
      const r = {
        provider_latency_ms: delay,
        completions_per_s: TASKS / ((last - first) / 1000),
        span_s: (last - first) / 1000,
        completed: docs.filter((d) => d.status === 'completed').length,
        not_completed: failed,
        llm_calls_per_task: calls.llm / TASKS,
        search_calls_per_task: calls.search / TASKS,
        // CPU per task from the first submit until all are terminal (the worker's includes its idle polling, ~0).
        worker_cpu_ms_per_task: cpuPer(cpuBefore.worker, cpuAfter.worker, TASKS),
        api_cpu_ms_per_task: cpuPer(cpuBefore.api, cpuAfter.api, TASKS),
        // What the provider alone allows: `concurrency` tasks at a time, each waiting providerMsPerTask.
        ceiling_per_s: delay > 0 && concurrency ? (concurrency * 1000) / providerMsPerTask : null,
      };
      say(
        `${target.worker} (${name}): ${fmt(r.completions_per_s, 2)} completions/s over ${fmt(r.span_s)} s; ${r.completed} completed, others ${JSON.stringify(failed)}; ${fmt(r.llm_calls_per_task, 2)} LLM calls per task`,
      );
      return r;
    }
    const project = { worker: 'worker', api: 'api-w', base: api.base, db };
    report.worker.instant = await workerRun(project, 'instant', 0);
    report.worker.latency = await workerRun(project, `${PROVIDER_LATENCY_MS} ms`, PROVIDER_LATENCY_MS);
    report.worker.rss_peak_mib = peakMiB('worker');
    report.worker.api_rss_peak_mib = peakMiB('api-w');
    await Promise.all([worker.stop(), api.stop()]);

    // The anchor: minimal-worker.mjs (the same libraries and provider calls, nothing else) behind
    // minimal-api.mjs, at the same concurrency, on its own database and Redis db.
    const dbMin = dbName('minimal_worker');
    const minPort = await freePort();
    const minApi = launch('minimal-w', path.join(HERE, 'minimal-api.mjs'), { ...commonEnv(dbMin, 5), PORT: String(minPort) });
    const minBase = `http://127.0.0.1:${minPort}`;
    const minWorker = launch('minimal-worker', path.join(HERE, 'minimal-worker.mjs'), { ...workerEnv(dbMin, 5), WORKER_CONCURRENCY: String(concurrency ?? 32) }, { stdout: 'pipe' });
    let minWorkerOut = '';
    minWorker.child.stdout?.on('data', (chunk) => (minWorkerOut += String(chunk)));
    await waitFor(
      'the minimal handler (worker phase)',
      async () => (await fetch(`${minBase}/v1/agent/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status === 400,
    );
    // Like the project's worker (registered before its first batch), the anchor takes jobs before its first batch.
    await waitFor('the minimal worker', async () => minWorkerOut.includes('ready\n'));
    const anchor = { worker: 'minimal-worker', api: 'minimal-w', base: minBase, db: dbMin };
    report.worker.minimal = {
      instant: await workerRun(anchor, 'instant', 0),
      latency: await workerRun(anchor, `${PROVIDER_LATENCY_MS} ms`, PROVIDER_LATENCY_MS),
    };
    report.worker.minimal.rss_peak_mib = peakMiB('minimal-worker');
    await Promise.all([minWorker.stop(), minApi.stop()]);
    await dropNow(db, dbMin);
  }

  // -------------------------------------------------------------------------------------------
  // 3. reads

  if (PHASES.has('reads')) {
    (report.load_at_start_of ??= {}).reads = loadavg();
    const db = dbName('reads');
    const api = await startApi('api-r', db, 4);
    const tasks = mongoClient.db(db).collection('tasks');
    const rand = mulberry32(42);
    const now = Date.now();
    const gen = documents(rand, LARGEST_SIZE, now);
    let stored = 0;
    for (const n of SIZES) {
      if (Date.now() > deadline - 5 * 60_000) {
        report.notes.push(`reads at ${shortCount(n)} skipped: too close to --time-limit-s`);
        say(report.notes.at(-1));
        break;
      }
      const seedStarted = performance.now();
      let batch = [];
      let lastSaid = seedStarted;
      while (stored < n) {
        batch.push(gen.next().value);
        stored++;
        if (batch.length === 5000 || stored === n) {
          await tasks.insertMany(batch, { ordered: false });
          batch = [];
          if (performance.now() - lastSaid > 15_000) {
            lastSaid = performance.now();
            say(`reads: ${stored.toLocaleString('en')} tasks stored`);
          }
        }
      }
      const seedS = (performance.now() - seedStarted) / 1000;
      say(`reads: ${n.toLocaleString('en')} tasks stored (+${fmt(seedS)} s seeding)`);
      // The tasks went straight into MongoDB, past the lifecycle that keeps the running counters: the
      // worker's repair command recomputes today's counters from them, as an operator would after an import.
      const rebuildStarted = performance.now();
      const rebuilt = spawnSync(process.execPath, [path.join(ROOT, 'apps/worker/dist/rebuild-counters.js')], { env: commonEnv(db, 4), encoding: 'utf8', timeout: 900_000 });
      if (rebuilt.status !== 0) throw new Error(`rebuild-counters failed: ${rebuilt.stderr || rebuilt.error?.message}`);
      say(`reads: today's counters rebuilt in ${fmt((performance.now() - rebuildStarted) / 1000)} s (${rebuilt.stdout.trim()})`);

      const list = await timeGets(`${api.base}/v1/tasks`, (body) =>
        Array.isArray(body.data) && body.data.length === 20 ? null : `${body.data?.length ?? 'no'} tasks instead of 20`,
      );
      // The api answers 200 with null parts when a part misses its deadline (5 s by default): such an
      // answer is timed but counted as incomplete.
      const metrics = await timeGets(`${api.base}/v1/system/metrics`, (body) => {
        const missing = ['queue', 'tasks_today', 'agent_distribution_today', 'latency_today_ms', 'workers'].filter(
          (k) => body[k] === null || body[k] === undefined,
        );
        if (missing.length) return `${missing.join(', ')} null`;
        return body.tasks_today.total === Math.min(n, TODAY_COUNT)
          ? null
          : `tasks_today.total ${body.tasks_today.total} instead of ${Math.min(n, TODAY_COUNT)}`;
      });
      for (const [name, x] of /** @type {const} */ ([
        ['GET /v1/tasks', list],
        ['GET /v1/system/metrics', metrics],
      ])) {
        if (x.incomplete) {
          report.notes.push(`${name} at ${shortCount(n)}: ${x.incomplete} of ${x.requests + x.warmups} answers incomplete (${x.problem})`);
          say(report.notes.at(-1));
        }
      }
      // Anchor: the same first page straight through the driver.
      const raw = [];
      for (let i = 0; i < WARMUP + REQUESTS; i++) {
        const t = performance.now();
        await tasks.find({ tenant_id: 'default' }).sort({ created_at: -1, task_id: -1 }).limit(21).toArray();
        if (i >= WARMUP) raw.push(performance.now() - t);
      }
      raw.sort((a, b) => a - b);
      const r = { tasks: n, seed_s: seedS, list, metrics, raw_list_p95_ms: percentile(raw, 0.95) };
      report.reads.push(r);
      say(
        `reads @ ${shortCount(n)}: GET /v1/tasks p95 ${fmt(list.p95_ms)} ms (driver ${fmt(r.raw_list_p95_ms)} ms), GET /v1/system/metrics p95 ${fmt(metrics.p95_ms)} ms`,
      );
    }
    report.reads_api_rss_peak_mib = peakMiB('api-r');
    await api.stop();
  }
  report.mongo_rss_peak_mib = peakMiB('mongo-java-server');
} catch (err) {
  exitCode = 1;
  report.error = errorMessage(err);
  say(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  await cleanup();
  if (!args.keep) rmSync(runDir, { recursive: true, force: true });
  else say(`logs kept in ${runDir}`);
}
report.load_after = loadavg();
report.duration_s = Math.round((Date.now() - started) / 1000);

const output = `${renderTable(report)}\n`;
process.stdout.write(output);
if (args.json) writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
process.exit(exitCode);

// ---------------------------------------------------------------------------------------------

/**
 * Sequential GETs: WARMUP untimed, then up to REQUESTS timed (at least one, within READ_BUDGET_MS).
 * `check(body)` returns null for a complete answer, else what is wrong with it.
 */
async function timeGets(url, check) {
  const times = [];
  let incomplete = 0;
  let problem = null;
  let warmups = 0;
  const budgetStart = performance.now();
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    if (i > WARMUP && performance.now() - budgetStart > READ_BUDGET_MS) break;
    const t = performance.now();
    const res = await get(url);
    const ms = performance.now() - t;
    // An error answer is an outcome of the size too (on a server that scans, a read at 1M can pass the
    // api's database deadline and answer 503): timed, counted as incomplete, the run goes on.
    const wrong = res.status === 200 ? check(JSON.parse(res.body)) : `answered ${res.status} ${errorType(res.body)}`;
    if (wrong) {
      incomplete++;
      problem ??= wrong;
    }
    if (i >= WARMUP) times.push(ms);
    else warmups++;
  }
  times.sort((a, b) => a - b);
  return { requests: times.length, warmups, p50_ms: percentile(times, 0.5), p95_ms: percentile(times, 0.95), max_ms: times.at(-1), incomplete, problem };
}

/** The `error.type` of an error answer's body, or what the body starts with. */
function errorType(body) {
  try {
    return String(JSON.parse(body)?.error?.type ?? body.slice(0, 80));
  } catch {
    return body.slice(0, 80);
  }
}

/** A GET without client-side timeouts (a slow server must not cut the measurement). */
function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Task documents as the api and the worker store them (libs/persistence task.model.ts): `today` of
 * them created today (UTC, midnight → now) with statuses and agents spread over the day, the rest
 * finished over the 365 days before. Sizes grow by appending history, so today stays the same.
 */
function* documents(rand, max, now) {
  const DAY = 86_400_000;
  const midnight = now - (now % DAY);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const AGENTS = [
    ['CodeAgent', 'code', '0.2.0'],
    ['ContentAgent', 'content', '0.3.1'],
  ];
  const LOREM = 'Orchestrated agents answer questions, write code and long-form content with citations; the router picks one per task. '.repeat(5);
  const day = (d) => d.toISOString().slice(0, 10);
  const doc = (createdMs, status) => {
    const created_at = new Date(createdMs);
    const [agent, agent_type, version] = pick(AGENTS);
    const routed = status !== 'queued';
    const finished = TERMINAL.includes(status);
    const ms = finished ? Math.round(500 + Math.exp(rand() * 7.5 + 2) * 4) : null;
    const completed_at = finished ? new Date(createdMs + ms) : null;
    const usage = { prompt_tokens: 900, completion_tokens: 400, total_tokens: 1300, cost_usd: 0.000375 };
    const task_id = randomUUID();
    return {
      // The task id is the primary key, and every task belongs to a tenant (the default one here, as
      // with API keys off): the list and the dashboard read only the caller's tenant.
      _id: task_id,
      task_id,
      tenant_id: 'default',
      session_id: `bench-${Math.floor(rand() * 50_000)}`,
      task: `Explain how to ${pick(['paginate', 'cache', 'index', 'shard', 'queue'])} ${pick(['tasks', 'users', 'orders', 'events'])} in a Node.js API, with an example.`,
      status,
      created_at,
      queued_at: created_at,
      started_at: routed ? new Date(createdMs + 50) : null,
      completed_at,
      updated_at: completed_at ?? created_at,
      metadata: { ip: '203.0.113.7', user_agent: 'bench/1.0', request_id: randomBytes(8).toString('hex'), environment: 'bench' },
      selected_agent: routed ? agent : null,
      agent_type: routed ? agent_type : null,
      agent_version: routed ? version : null,
      peer_routing_reason: routed ? `The task asks for ${agent_type}.` : null,
      confidence: routed ? 0.9 : null,
      result:
        status === 'completed'
          ? {
              summary: 'A short summary of the answer.',
              raw_output: LOREM,
              code_language: agent_type === 'code' ? 'typescript' : null,
              citations: [{ source: 'tavily', title: 'Docs', url: 'https://example.com/docs' }],
            }
          : null,
      error:
        status === 'failed'
          ? { type: pick(['LLM_ERROR', 'TIMEOUT', 'SEARCH_ERROR']), message: 'The model provider answered 500.' }
          : status === 'cancelled'
            ? { type: 'CANCELLED', message: 'Cancelled by the client.' }
            : null,
      usage: routed
        ? { ...usage, by_model: [{ model: 'gpt-4o-mini', ...usage }] }
        : { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] },
      attempts: routed ? 1 : 0,
      cancel_requested_at: status === 'cancelled' ? new Date(createdMs + 100) : null,
      budget: null,
      retries: [],
      checkpoints: { route: null, agent: null },
      reused_steps: [],
      callback_url: null,
      latency_ms: ms,
      finished_day: completed_at ? day(completed_at) : null,
    };
  };
  const today = Math.min(max, TODAY_COUNT);
  const span = Math.max(1, now - 1000 - midnight);
  for (let i = 0; i < today; i++) {
    const r = rand();
    const status = r < 0.8 ? 'completed' : r < 0.87 ? 'failed' : r < 0.89 ? 'cancelled' : r < 0.95 ? 'queued' : 'processing';
    yield doc(midnight + Math.floor((i / today) * span), status);
  }
  // History: evenly over the 365 days before today, filled newest first so each size is a prefix.
  const past = max - today;
  for (let i = 0; i < past; i++) {
    const created = midnight - 3_600_000 - Math.floor((i / Math.max(1, past)) * (365 * DAY - 3_600_000));
    yield doc(created, rand() < 0.92 ? 'completed' : 'failed');
  }
}

function renderTable(r) {
  const rows = [];
  const a = r.accept;
  const conns = `${r.options.connections} conns, ${r.options.duration_s} s`;
  if (a.project || a.minimal) {
    const p = a.project ?? {};
    const m = a.minimal ?? {};
    rows.push([`POST /v1/agent/execute accepts/s (${conns})`, fmt(p.accepts_per_s), fmt(m.accepts_per_s), 'minimal handler']);
    rows.push(['  p50 latency, ms', fmt(p.p50_ms), fmt(m.p50_ms), 'minimal handler']);
    rows.push(['  p99 latency, ms', fmt(p.p99_ms), fmt(m.p99_ms), 'minimal handler']);
    rows.push([
      `  p99 at half the max rate, paced, ms (${p.half_rate_per_s ?? '–'}/s; anchor at ${m.half_rate_per_s ?? '–'}/s)`,
      fmt(p.half_rate_p99_ms),
      fmt(m.half_rate_p99_ms),
      'minimal handler',
    ]);
    rows.push([
      '  non-2xx + errors (max rate / half rate)',
      `${p.non_2xx ?? '–'}+${p.errors ?? '–'} / ${p.half_rate_non_2xx ?? '–'}`,
      `${m.non_2xx ?? '–'}+${m.errors ?? '–'} / ${m.half_rate_non_2xx ?? '–'}`,
      '',
    ]);
    rows.push(['  CPU of the server process per request at max rate, ms', fmt(p.cpu_ms_per_request, 2), fmt(m.cpu_ms_per_request, 2), 'minimal handler']);
    rows.push(['  RSS peak of the api process, MiB', fmt(p.rss_peak_mib, 0), fmt(m.rss_peak_mib, 0), 'minimal handler']);
  }
  const w = r.worker;
  if (w.instant) {
    const c = w.concurrency ?? '?';
    const tasksNote = `${r.options.tasks} tasks, concurrency ${c}${r.options.worker_concurrency === 'default' ? ' (default)' : ''}`;
    const m = w.minimal;
    const anchorIs = 'minimal worker (same libraries and provider calls)';
    rows.push([`worker completions/s, instant provider stubs (${tasksNote})`, fmt(w.instant.completions_per_s, 2), fmt(m?.instant.completions_per_s, 2), m ? anchorIs : '']);
    rows.push([
      `worker completions/s, ${w.latency.provider_latency_ms} ms per LLM call (${fmt(w.latency.llm_calls_per_task, 1)} calls/task)`,
      fmt(w.latency.completions_per_s, 2),
      fmt(w.latency.ceiling_per_s, 2),
      'provider-bound ceiling: concurrency ÷ LLM wait per task',
    ]);
    if (m) rows.push([`  the same, ${anchorIs}`, '', fmt(m.latency.completions_per_s, 2), `${fmt(m.latency.llm_calls_per_task, 1)} calls/task`]);
    const nc = (x) =>
      Object.entries(x.not_completed)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || '0';
    rows.push(['  tasks not completed (instant / latency)', `${nc(w.instant)} / ${nc(w.latency)}`, '', '']);
    rows.push([
      '  worker CPU per task, ms (instant / latency)',
      `${fmt(w.instant.worker_cpu_ms_per_task, 2)} / ${fmt(w.latency.worker_cpu_ms_per_task, 2)}`,
      m ? `${fmt(m.instant.worker_cpu_ms_per_task, 2)} / ${fmt(m.latency.worker_cpu_ms_per_task, 2)}` : '–',
      m ? 'minimal worker' : '',
    ]);
    rows.push(['  api CPU per task while the worker ran, ms (instant / latency)', `${fmt(w.instant.api_cpu_ms_per_task, 2)} / ${fmt(w.latency.api_cpu_ms_per_task, 2)}`, '–', '']);
    rows.push(['  RSS peak of the worker process, MiB', fmt(w.rss_peak_mib, 0), m ? fmt(m.rss_peak_mib, 0) : '–', m ? 'minimal worker' : '']);
  }
  for (const x of r.reads) {
    const bad = (g) => (g.incomplete ? ` (${g.incomplete}/${g.requests + g.warmups} incomplete)` : '');
    rows.push([
      `GET /v1/tasks p95 at ${shortCount(x.tasks)} tasks, ms`,
      `${fmt(x.list.p95_ms)}${bad(x.list)}`,
      fmt(x.raw_list_p95_ms),
      'same page, raw driver find',
    ]);
    rows.push([`GET /v1/system/metrics p95 at ${shortCount(x.tasks)} tasks, ms`, `${fmt(x.metrics.p95_ms)}${bad(x.metrics)}`, '–', '']);
  }
  if (r.mongo_rss_peak_mib) rows.push(['RSS peak of mongo-java-server (JVM), MiB', fmt(r.mongo_rss_peak_mib, 0), '', '']);
  const table = markdownTable(['measurement', 'this project', 'anchor', 'anchor is'], rows, ['left', 'right', 'right', 'left']);
  const lines = [
    table,
    '',
    `Commit ${r.commit ?? '?'}, ${r.machine.cpus} cores (${r.machine.model}), ${r.machine.mem_gib} GiB, Node ${r.machine.node}; ` +
      `MongoDB: ${r.servers?.mongo ?? '?'}; Redis: ${r.servers?.redis ?? '?'}. ` +
      `Load average (1/5/15 min) before ${r.load_before.join(' ')}, ` +
      Object.entries(r.load_at_start_of ?? {})
        .map(([phase, l]) => `at the start of ${phase} ${l.join(' ')}, `)
        .join('') +
      `after ${r.load_after.join(' ')}. ` +
      `Reads: ${r.options.warmup} warm-up + up to ${r.options.requests} sequential requests. Duration ${r.duration_s} s.`,
    ...r.notes.map((n) => `Note: ${n}`),
    ...(r.error ? [`FAILED: ${r.error}`] : []),
  ];
  return lines.join('\n');
}
