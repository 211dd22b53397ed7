#!/usr/bin/env node
// The worker's CPU per task with instant providers (issue 11, goal 2), measured the way a shared,
// loaded machine allows: user + system CPU time of the worker process (from /proc/<pid>/stat) over a
// batch of tasks, divided by the tasks, rather than throughput. See tools/bench/README.md.
//
//   node tools/bench/worker-cpu.mjs [--tasks 300] [--warmup 60] [--rounds 3] [--concurrency N]
//                                   [--prof DIR] [--mongo mongo-java-server|ferretdb] [--no-build]
//                                   [--compare ROOT [--together]] [--root ROOT]
//                                   [--provider-latency-ms 0] [--compare-env K=V,K=V]
//
// Starts mongo-java-server (or MONGO_URI) and redis-server (or REDIS_URL), the OpenAI- and Tavily-
// compatible stubs answering at once (the same answers as run.mjs), the built api (only to submit
// tasks) and the built worker; submits --warmup tasks (not measured: JIT, connection pools), then
// --rounds batches of --tasks tasks, each measured from before its first submit to its last terminal
// task. With --prof DIR the worker also writes one V8 CPU profile per measured round (through
// tools/bench/cpu-window.cjs, so boot and warm-up are not in it); summarise one with
// `node tools/bench/cpuprofile-summary.mjs DIR/window-1.cpuprofile`.
// With --compare ROOT (a copy of the repository, or of its built apps/worker and libs/*/dist with a
// node_modules that resolves them, e.g. an earlier commit's build) a second worker from ROOT gets the
// same batches, rounds alternating between the two (each with its own api, database and Redis db), so
// both are measured under the same load: on a shared machine that is the only fair before/after.
// --together gives both builds their batch at the same moment instead (each round's ratio is then
// measured under one load). --root ROOT takes the first worker from ROOT too (default: this build).
// BENCH_WORKER_NODE_ARGS adds node flags to the worker (e.g. --max-old-space-size=160).
// --provider-latency-ms N delays every LLM answer of the stub by N ms (a worker's writes then spread
// over time instead of arriving together, as with a real provider). --compare-env K=V,... gives the
// compare worker extra environment; without --compare it compares this build with itself, so
// `--compare-env STREAM_WRITE_WINDOW_MS=50 --together` is an A/B of one setting under the same load.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startMongo } from '../services/mongo.mjs';
import { freePort, sleep } from '../services/net.mjs';
import { stopChild } from '../services/proc.mjs';
import { startRedis } from '../services/redis.mjs';
import { fmt, markdownTable, statusKiB } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const require = createRequire(import.meta.url);
const requireFromApi = createRequire(path.join(ROOT, 'apps/api/package.json'));

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string' },
    prof: { type: 'string' },
    mongo: { type: 'string', default: 'mongo-java-server' },
    'no-build': { type: 'boolean', default: false },
    compare: { type: 'string' },
    root: { type: 'string' },
    together: { type: 'boolean', default: false },
    'provider-latency-ms': { type: 'string', default: '0' },
    'compare-env': { type: 'string' },
  },
});
const TASKS = Number(args.tasks);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
const TERMINAL = ['completed', 'failed', 'cancelled'];
const LLM_DELAY_MS = Number(args['provider-latency-ms']);
if (!Number.isInteger(LLM_DELAY_MS) || LLM_DELAY_MS < 0) throw new Error(`--provider-latency-ms takes a whole number of ms, got ${args['provider-latency-ms']}`);
/** @type {Record<string, string>} */
const COMPARE_ENV = {};
for (const pair of (args['compare-env'] ?? '').split(',').filter(Boolean)) {
  const at = pair.indexOf('=');
  if (at < 1) throw new Error(`--compare-env takes K=V pairs separated by commas, got "${pair}"`);
  COMPARE_ENV[pair.slice(0, at)] = pair.slice(at + 1);
}
const COMPARE_ROOT = args.compare ?? (args['compare-env'] ? ROOT : undefined);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const t0 = Date.now();
const say = (msg) => process.stderr.write(`[worker-cpu ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);

/** utime + stime of a process, in ms (fields 14 and 15 of /proc/<pid>/stat, after the command's parenthesis). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

const runDir = mkdtempSync(path.join(os.tmpdir(), 'ao-worker-cpu-'));
const children = [];
const closers = [];
async function cleanup() {
  await Promise.allSettled(children.map((c) => stopChild(c, 15_000)));
  for (const close of closers.reverse()) await close().catch(() => undefined);
}
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void cleanup().finally(() => process.exit(130)));

function launch(label, script, env, nodeArgs = []) {
  const fd = openSync(path.join(runDir, `${label}.log`), 'a');
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.push(child);
  child.once('exit', (code, signal) => say(`${label} exited (${signal ?? `code ${code}`}); log ${path.join(runDir, `${label}.log`)}`));
  return child;
}

async function waitFor(what, fn, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (logs in ${runDir})`);
    await sleep(200);
  }
}

let exitCode = 0;
try {
  if (!args['no-build']) {
    say('building api and worker');
    const b = spawnSync('npx', ['--yes', 'nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    if (b.status !== 0) throw new Error('build failed');
  }
  const { startOpenAiStub } = require(path.join(ROOT, 'libs/agents-core/dist/testing/openai-stub.js'));
  const { startTavilyStub, defaultTavilyResults } = require(path.join(ROOT, 'libs/agent-content/dist/testing/tavily-stub.js'));
  const { MongoClient } = requireFromApi('mongodb');

  const mongo = await startMongo({ backend: args.mongo, javaOpts: ['-Xmx2g'], log: (m) => say(`mongo: ${m}`) });
  closers.push(() => mongo.stop());
  const redis = await startRedis({ log: (m) => say(`redis: ${m}`) });
  closers.push(() => redis.stop());
  const client = await MongoClient.connect(mongo.uri);
  closers.push(() => client.close());

  // The same answers as tools/bench/run.mjs: a code task (router + one agent call) and a content task
  // (router + search queries + one search + the text), alternately.
  const openai = await startOpenAiStub((req) => {
    const usage = { prompt_tokens: 300, completion_tokens: 120 };
    const delayMs = LLM_DELAY_MS;
    if (req.schemaName === 'route_decision') {
      if (req.lastUser.includes('essay')) return { json: { agent_name: 'ContentAgent', confidence: 0.9, reasoning: 'Long-form writing.' }, usage, delayMs };
      return { json: { agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'Asks for code.' }, usage, delayMs };
    }
    if (req.schemaName === 'search_queries') return { json: { queries: ['queue reliability'] }, usage, delayMs };
    if (req.schemaName) return { json: { language: 'python', mode: 'generate', summary: 'Prints a number.', content: '```python\nprint(42)\n```' }, usage, delayMs };
    return { content: 'Queues need acknowledgements [1] and idempotent consumers [2].', usage, delayMs };
  });
  openai.requests.push = () => 0;
  closers.push(() => openai.close());
  const tavily = await startTavilyStub((req) => ({ results: defaultTavilyResults(req.query, req.maxResults) }));
  closers.push(() => tavily.close());

  /** One worker build under test: its own database, Redis db, api (to submit) and worker. */
  async function variant(label, root, redisDb, extraEnv = {}) {
    const db = `ao_worker_cpu_${process.pid}_${label}`;
    closers.push(() => client.db(db).dropDatabase().then(() => undefined));
    const redisUrl = new URL(redis.url);
    redisUrl.pathname = `/${redisDb}`;
    const common = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', APP_ENV: 'bench', MONGO_URI: mongo.uri, MONGO_DB_NAME: db, REDIS_URL: redisUrl.toString() };
    const port = await freePort();
    launch(`api-${label}`, path.join(ROOT, 'apps/api/dist/main.js'), { ...common, PORT: String(port), HOST: '127.0.0.1', API_RATE_LIMIT_PER_MINUTE: '1000000' });
    const base = `http://127.0.0.1:${port}`;
    const profArgs = args.prof ? ['--require', path.join(HERE, 'cpu-window.cjs')] : [];
    const worker = launch(
      `worker-${label}`,
      path.join(root, 'apps/worker/dist/main.js'),
      {
        ...common,
        OPENAI_API_KEY: 'sk-bench-0123456789abcdef',
        OPENAI_BASE_URL: openai.url,
        TAVILY_API_KEY: 'tvly-bench-0123456789abcdef',
        TAVILY_BASE_URL: tavily.url,
        WORKER_METRICS_PORT: '0',
        ...(args.concurrency ? { WORKER_CONCURRENCY: args.concurrency } : {}),
        ...(args.prof ? { CPU_WINDOW_DIR: path.resolve(args.prof, label) } : {}),
        ...extraEnv,
      },
      [...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...profArgs],
    );
    await waitFor(`the api (${label})`, async () => (await fetch(`${base}/readyz`)).ok);
    await waitFor(`the worker (${label}) to register`, async () => /** @type {{ data: unknown[] }} */ (await (await fetch(`${base}/v1/agents`)).json()).data.length > 0);
    const v = { label, base, worker, tasks: client.db(db).collection('tasks'), rssPeakKiB: 0, idleMsPerS: 0, rows: [], perTask: [] };
    const timer = setInterval(() => {
      try {
        v.rssPeakKiB = Math.max(v.rssPeakKiB, statusKiB(readFileSync(`/proc/${worker.pid}/status`, 'utf8')) ?? 0);
      } catch {
        /* exited */
      }
    }, 200);
    closers.push(async () => clearInterval(timer));
    return v;
  }

  const kinds = ['Write a python function that returns {n}', 'Write an essay on queue reliability, part {n}'];
  let serial = 0;
  async function batch(v, n) {
    const ids = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < n) {
          next++;
          const k = serial++;
          const res = await fetch(`${v.base}/v1/agent/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: kinds[k % 2].replace('{n}', String(k)) }) });
          if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${await res.text()}`);
          ids.push(/** @type {{ task_id: string }} */ (await res.json()).task_id);
        }
      }),
    );
    for (let done = 0; done < n; ) {
      await sleep(100);
      done = await v.tasks.countDocuments({ task_id: { $in: ids }, status: { $in: TERMINAL } });
    }
    const statuses = await v.tasks.aggregate([{ $match: { task_id: { $in: ids } } }, { $group: { _id: '$status', n: { $sum: 1 } } }]).toArray();
    return Object.fromEntries(statuses.map((s) => [s._id, s.n]));
  }

  const variants = [await variant('this', args.root ? path.resolve(args.root) : ROOT, 5)];
  if (COMPARE_ROOT) variants.push(await variant('compare', path.resolve(COMPARE_ROOT), 6, COMPARE_ENV));
  for (const v of variants) {
    // Idle CPU (heartbeats, snapshots, Bull's timers), to tell it apart from the tasks' own.
    const idleFrom = cpuMs(v.worker.pid);
    await sleep(3000);
    v.idleMsPerS = (cpuMs(v.worker.pid) - idleFrom) / 3;
    say(`${v.label}: idle ${fmt(v.idleMsPerS, 1)} ms CPU per second; warm-up: ${WARMUP} tasks`);
    if (WARMUP > 0) await batch(v, WARMUP);
  }
  /** One measured batch of `v`: its worker's CPU over the batch, per task. */
  async function measured(v, r) {
    if (args.prof) v.worker.kill('SIGUSR2');
    const load = os.loadavg()[0];
    const from = cpuMs(v.worker.pid);
    const started = Date.now();
    const statuses = await batch(v, TASKS);
    const wall = (Date.now() - started) / 1000;
    const used = cpuMs(v.worker.pid) - from;
    if (args.prof) v.worker.kill('SIGUSR2');
    const perTask = used / TASKS;
    const idlePart = (v.idleMsPerS * wall) / TASKS;
    v.perTask.push(perTask);
    say(`${v.label} round ${r}: ${fmt(perTask, 2)} ms CPU/task (${fmt(perTask - idlePart, 2)} without idle), ${fmt(wall, 1)} s, ${JSON.stringify(statuses)}, load ${fmt(load, 1)}`);
    v.rows.push([v.label, String(r), fmt(perTask, 2), fmt(perTask - idlePart, 2), fmt(TASKS / wall, 1), JSON.stringify(statuses), fmt(load, 1)]);
    return perTask;
  }
  const ratios = [];
  for (let r = 1; r <= ROUNDS; r++) {
    if (args.together && variants.length === 2) {
      // Both builds get their batch at the same moment, so both run under the same load.
      const [a, b] = await Promise.all(variants.map((v) => measured(v, r)));
      ratios.push(a / b);
    } else {
      for (const v of r % 2 === 1 ? variants : [...variants].reverse()) await measured(v, r);
    }
    if (args.prof) await sleep(1500); // the profiles are written
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  process.stdout.write(
    `${markdownTable(['worker', 'round', 'CPU ms/task', 'without idle', 'tasks/s (wall)', 'statuses', 'load 1 min'], variants.flatMap((v) => v.rows), ['left', 'right', 'right', 'right', 'right', 'left', 'right'])}\n` +
      variants.map((v) => `${v.label}: median ${fmt(median(v.perTask), 2)} ms CPU/task; RSS peak ${fmt(v.rssPeakKiB / 1024, 0)} MiB; idle ${fmt(v.idleMsPerS, 1)} ms CPU/s`).join('\n') +
      (ratios.length ? `\nthis ÷ compare, per round: ${ratios.map((x) => fmt(x, 2)).join(', ')}; median ${fmt(median(ratios), 2)}` : '') +
      `\n${TASKS} tasks per round after ${WARMUP} warm-up; ${LLM_DELAY_MS} ms per LLM answer` +
      (args['compare-env'] ? `; compare worker with ${args['compare-env']}` : '') +
      `; logs ${runDir}\n`,
  );
} catch (err) {
  say(`failed: ${err instanceof Error ? err.stack : String(err)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
