#!/usr/bin/env node
// Chaos run: the real system under faults, then a count of what survived.
//
//   node tools/chaos/run.mjs [--tasks 2000] [--workers 2] [--kills 4] [--worker-concurrency 4] [--submit-concurrency 16]
//                            [--llm-delay-ms 20-300] [--llm-error-rate 0.05] [--drain-timeout-s 900]
//                            [--no-redis-restart] [--no-mongo-restart] [--no-build] [--json] [--keep] [--seed N]
//                            [--help]
//
// It starts a MongoDB-compatible server and redis-server of its own (tools/services; data on disk so a
// restart keeps it), a local OpenAI-compatible stub and Tavily stub that answer with random latency
// and inject 5xx/429 errors, the built api and N workers as real processes. Then it submits the tasks
// (clients retry refused submissions with the same Idempotency-Key), and meanwhile SIGKILLs a random
// worker at random moments (restarting it), restarts Redis once and the MongoDB server once. When every
// stored task is terminal (or the drain timeout passes) it prints:
//
//   accepted, refused, completed, failed by type, cancelled, still not terminal, lost (accepted but not
//   stored), and tasks whose final state was written more than once (two terminal lifecycle events, or
//   two assistant result messages). Exit code 0 only when the last three are 0. Then LLM calls paid
//   twice (reported only: see below).
//
// LLM calls paid twice: each task's text carries a unique tag (`[chaos #n]`), which the router's and
// the agent's prompts quote, so the OpenAI stub attributes every call to its task. For each task that
// completed, every call of a kind (the structured-output schema, or plain text) beyond the first one
// that was delivered with a 200 is a call paid twice: a step repeated although its answer had
// reached the worker (durable steps should have reused it). Calls whose caller died before the answer
// reached it (a SIGKILL mid-call) are counted apart, as "LLM calls cut off by a kill". A kill between
// an answer reaching the worker and the step's checkpoint write still shows here, so it is not part
// of the exit code; each one is listed with when it came and was answered, and with the kill of the
// worker that made it, to place it among the faults.
//
// Answer → checkpoint: the window in which a kill costs a paid answer. For every step a worker kept
// (its debug line "step kept"), the time from the stub handing over that step's last answer to the
// database acknowledging the checkpoint; p50, p95 and max per step (the workers log at debug).
//
// MONGO_URI / REDIS_URL are ignored on purpose: the run must own the servers it restarts.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, sleep } from '../services/net.mjs';
import { startMongo } from '../services/mongo.mjs';
import { stopChild } from '../services/proc.mjs';
import { startRedis } from '../services/redis.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    // 4, not the product's 32: a 32-slot worker saturates the FerretDB fallback the run uses (one task
    // through FerretDB costs seconds at 32 tasks in flight, past TASK_TIMEOUT_MS); set it to measure that.
    'worker-concurrency': { type: 'string', default: '4' },
    kills: { type: 'string', default: '4' },
    'submit-concurrency': { type: 'string', default: '16' },
    'llm-delay-ms': { type: 'string', default: '20-300' },
    'llm-error-rate': { type: 'string', default: '0.05' },
    'drain-timeout-s': { type: 'string', default: '900' },
    'no-redis-restart': { type: 'boolean', default: false },
    'no-mongo-restart': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  const usage = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.startsWith('//'))
    .map((line) => line.replace(/^\/\/ ?/, ''));
  process.stdout.write(`${usage.slice(0, usage.findIndex((l) => l.startsWith('MONGO_URI')) + 1).join('\n')}\n`);
  process.exit(0);
}

const int = (name, min) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${args[name]}"`);
  return n;
};
const TASKS = int('tasks', 1);
const WORKERS = int('workers', 1);
const WORKER_CONCURRENCY = int('worker-concurrency', 1);
const KILLS = int('kills', 0);
const SUBMIT_CONCURRENCY = int('submit-concurrency', 1);
const DRAIN_TIMEOUT_MS = int('drain-timeout-s', 1) * 1000;
const [DELAY_MIN, DELAY_MAX] = args['llm-delay-ms'].split('-').map(Number);
const ERROR_RATE = Number(args['llm-error-rate']);
if (!(DELAY_MIN >= 0 && DELAY_MAX >= DELAY_MIN)) throw new Error('--llm-delay-ms must look like 20-300');
if (!(ERROR_RATE >= 0 && ERROR_RATE < 1)) throw new Error('--llm-error-rate must be in [0, 1)');

// A small seeded PRNG so a run can be repeated (--seed); the fault schedule is what varies between runs.
let seed = Number(args.seed ?? Date.now() % 2 ** 31) >>> 0;
const SEED = seed;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const between = (a, b) => a + Math.floor(random() * (b - a + 1));

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const say = (msg) => process.stderr.write(`[chaos ${elapsed()}] ${msg}\n`);
/** @type {{ at_s: number, at_ms: number, what: string, worker?: string }[]} */
const faults = [];
const fault = (what, worker) => {
  faults.push({ at_s: Number(((Date.now() - started) / 1000).toFixed(1)), at_ms: Date.now(), what, ...(worker ? { worker } : {}) });
  say(what);
};

// ---------------------------------------------------------------------------------------------
// Build and load the stubs from the built libs

if (!args['no-build']) {
  say('building api and worker');
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_NO_CLOUD: 'true' },
  });
  if (build.status !== 0) throw new Error('build failed');
}
const { startOpenAiStub } = require(join(root, 'libs/agents-core/dist/testing/openai-stub.js'));
const { startTavilyStub, defaultTavilyResults } = require(join(root, 'libs/agent-content/dist/testing/tavily-stub.js'));

const runDir = mkdtempSync(join(tmpdir(), 'ao-chaos-'));
const dbName = `chaos_${randomUUID().slice(0, 8)}`;
say(`run dir ${runDir} (logs of every process), database ${dbName}, seed ${SEED}`);

// ---------------------------------------------------------------------------------------------
// Servers we own (and restart)

delete process.env.MONGO_URI;
delete process.env.REDIS_URL;
const quiet = () => {
  // the servers' own logs are not part of the chaos report
};
const mongoDir = join(runDir, 'mongo');
const redisDir = join(runDir, 'redis');
mkdirSync(mongoDir, { recursive: true });
mkdirSync(redisDir, { recursive: true });
let mongo = await startMongo({ dataDir: mongoDir, log: quiet });
const mongoPort = Number(new URL(mongo.uri).port);
say(`MongoDB-compatible server (${mongo.kind}) at ${mongo.uri}`);
let redis = await startRedis({ dataDir: redisDir, log: quiet });
const redisPort = Number(new URL(redis.url).port);
say(`redis-server at ${redis.url}`);

// ---------------------------------------------------------------------------------------------
// Providers: random latency, injected errors

const injected = { llm_5xx: 0, llm_429: 0, search_5xx: 0 };
/** When each LLM call came in (s since the start), to place calls paid twice among the faults. */
const arrivals = new WeakMap();
const openai = await startOpenAiStub((req) => {
  arrivals.set(req, Number(((Date.now() - started) / 1000).toFixed(1)));
  const delayMs = between(DELAY_MIN, DELAY_MAX);
  const dice = random();
  if (dice < ERROR_RATE * 0.6) return (injected.llm_5xx++, { status: 500, message: 'injected failure', delayMs });
  if (dice < ERROR_RATE) return (injected.llm_429++, { status: 429, message: 'injected rate limit', headers: { 'retry-after': '1' }, delayMs });
  const usage = { prompt_tokens: between(100, 400), completion_tokens: between(20, 300) };
  if (req.schemaName === 'route_decision') {
    if (req.lastUser.includes('essay')) return { json: { agent_name: 'ContentAgent', confidence: 0.9, reasoning: 'Long-form writing.' }, usage, delayMs };
    if (req.lastUser.includes('hello there')) return { json: { agent_name: 'Unknown', confidence: 0.1, reasoning: 'Small talk.' }, usage, delayMs };
    return { json: { agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'Asks for code.' }, usage, delayMs };
  }
  if (req.schemaName === 'search_queries') return { json: { queries: ['queue reliability'] }, usage, delayMs };
  if (req.schemaName)
    return { json: { language: 'python', mode: 'generate', summary: 'Prints a number.', content: '```python\nprint(42)\n```' }, usage, delayMs };
  return { content: 'Queues need acknowledgements [1] and idempotent consumers [2].', usage, delayMs };
});
const tavily = await startTavilyStub((req) => {
  if (random() < ERROR_RATE / 2) return (injected.search_5xx++, { status: 502 });
  return { results: defaultTavilyResults(req.query, req.maxResults) };
});

// ---------------------------------------------------------------------------------------------
// The apps

const apiPort = await freePort();
const commonEnv = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'production',
  APP_ENV: 'chaos',
  LOG_LEVEL: 'info',
  MONGO_URI: mongo.uri,
  MONGO_DB_NAME: dbName,
  MONGO_TIMEOUT_MS: '3000',
  REDIS_URL: redis.url,
};
const apiEnv = { ...commonEnv, PORT: String(apiPort), HOST: '127.0.0.1', API_RATE_LIMIT_PER_MINUTE: '0', ENQUEUE_TIMEOUT_MS: '2000' };
const workerEnv = {
  ...commonEnv,
  OPENAI_API_KEY: 'sk-chaos-0123456789abcdef',
  OPENAI_BASE_URL: openai.url,
  TAVILY_API_KEY: 'tvly-chaos-0123456789abcdef',
  TAVILY_BASE_URL: tavily.url,
  // The step timings of the report ("step kept") are debug lines.
  LOG_LEVEL: 'debug',
  WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
  LLM_TIMEOUT_MS: '10000',
  LLM_MAX_RETRIES: '3',
  TASK_TIMEOUT_MS: '60000',
  JOB_ATTEMPTS: '5',
  WORKER_HEARTBEAT_MS: '1000',
  WORKER_METRICS_PORT: '0',
  // Recovery is tuned faster than production so a run drains in minutes.
  RECONCILE_INTERVAL_MS: '2000',
  RECONCILE_GRACE_MS: '5000',
  QUEUE_LOCK_DURATION_MS: '5000',
  QUEUE_STALLED_INTERVAL_MS: '2000',
  WORKER_SHUTDOWN_GRACE_MS: '5000',
  // Long enough that a backlog on a slow server (FerretDB scans whole collections) is not failed as
  // TIMEOUT: the run measures recovery, not throughput.
  TASK_DEADLINE_MS: '3600000',
};

const logFiles = [];
function launch(app, env, label) {
  const file = join(runDir, `${label}.log`);
  logFiles.push(file);
  const out = createWriteStream(file, { flags: 'a' });
  const child = spawn(process.execPath, [join(root, 'apps', app, 'dist', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  return { label, child, exited: new Promise((resolve) => child.once('exit', resolve)) };
}
const stopGracefully = (proc) => stopChild(proc.child, 20_000);

const api = launch('api', apiEnv, 'api');
let incarnation = 0;
const workers = Array.from({ length: WORKERS }, (_, i) => launch('worker', workerEnv, `worker-${i}-${incarnation++}`));
const base = `http://127.0.0.1:${apiPort}`;
for (const deadline = Date.now() + 60_000; ;) {
  const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (Date.now() > deadline) throw new Error(`api did not become ready; see ${join(runDir, 'api.log')}`);
  await sleep(250);
}
say(`api ready at ${base}; ${WORKERS} workers started`);

// ---------------------------------------------------------------------------------------------
// Faults, driven by progress (share of the tasks that reached a terminal state) so they land
// while work is in flight, spread over the whole run

const { MongoClient } = require('mongodb');
// The harness's own reads use a fresh client each time: it must see the truth across the MongoDB
// restart without depending on the recovery code under test (libs/persistence's monitor watchdog).
async function withDb(fn) {
  const client = new MongoClient(mongo.uri, { serverSelectionTimeoutMS: 2000 });
  try {
    return await fn(client.db(dbName));
  } finally {
    await client.close().catch(() => undefined);
  }
}
const countTasks = (filter) => withDb((db) => db.collection('tasks').countDocuments(filter));

const accepted = new Set();
const refused = {};
const killAt = Array.from({ length: KILLS }, () => 0.05 + random() * 0.9).sort();
const redisAt = args['no-redis-restart'] ? null : 0.35;
const mongoAt = args['no-mongo-restart'] ? null : 0.65;
/** Which one-off faults (the Redis and MongoDB restarts) have been started. */
const faultsDone = { redis: false, mongo: false };
/** @type {Promise<unknown>} */
let faultChain = Promise.resolve();
const TERMINAL = ['completed', 'failed', 'cancelled'];
let terminal = 0;
let probing = false;
const progress = () => terminal / TASKS;

async function killAWorker() {
  const i = between(0, workers.length - 1);
  const victim = workers[i];
  victim.child.kill('SIGKILL');
  const killedAt = Date.now();
  await victim.exited;
  fault(`SIGKILL ${victim.label} (pid ${victim.child.pid})`, victim.label);
  faults[faults.length - 1].at_ms = killedAt;
  await sleep(between(500, 2000));
  workers[i] = launch('worker', workerEnv, `worker-${i}-${incarnation++}`);
  say(`restarted as ${workers[i].label}`);
}
async function restartRedis() {
  fault('redis-server stopping');
  await redis.stop();
  await sleep(3000);
  redis = await startRedis({ dataDir: redisDir, port: redisPort, log: quiet });
  fault('redis-server back');
}
async function restartMongo() {
  fault('MongoDB server stopping');
  await mongo.stop();
  await sleep(3000);
  mongo = await startMongo({ dataDir: mongoDir, port: mongoPort, log: quiet });
  fault('MongoDB server back');
}
const faultTimer = setInterval(() => {
  if (!probing) {
    probing = true;
    countTasks({ status: { $in: TERMINAL } })
      .then(
        (n) => (terminal = n),
        () => undefined,
      ) // MongoDB down: keep the last figure
      .finally(() => (probing = false));
  }
  const p = progress();
  const due = [];
  while (killAt.length && killAt[0] <= p) {
    killAt.shift();
    due.push(killAWorker);
  }
  if (redisAt !== null && p >= redisAt && !faultsDone.redis) {
    faultsDone.redis = true;
    due.push(restartRedis);
  }
  if (mongoAt !== null && p >= mongoAt && !faultsDone.mongo) {
    faultsDone.mongo = true;
    due.push(restartMongo);
  }
  for (const f of due) faultChain = faultChain.then(f).catch((err) => say(`fault step failed: ${err.message}`));
}, 1000);

// ---------------------------------------------------------------------------------------------
// Submission: each logical task is retried (same Idempotency-Key) until accepted or out of tries

const kinds = [
  'Write a python function that returns {n}',
  'Write an essay on queue reliability, part {n}',
  'hello there {n}',
  'Refactor this loop {n}: for i in range(3): print(i)',
];
/** The tag that makes a task's text unique, so the LLM stub can tell whose prompt it is serving. */
const TASK_TAG = /\[chaos #(\d+)\]/g;
const taskNumbers = new Map(); // task_id → n
async function submit(n) {
  const text = `${kinds[n % 10 === 7 ? 1 : n % 10 === 8 ? 2 : n % 2 === 0 ? 0 : 3].replace('{n}', String(n))} [chaos #${n}]`;
  const key = randomUUID();
  for (let attempt = 1; attempt <= 8; attempt++) {
    let reason;
    try {
      const res = await fetch(`${base}/v1/agent/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ task: text }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = /** @type {{ task_id?: string, error?: { type?: string } }} */ (await res.json().catch(() => ({})));
      if (res.status === 202) {
        accepted.add(body.task_id);
        taskNumbers.set(body.task_id, n);
        return;
      }
      reason = `${res.status} ${body?.error?.type ?? ''}`.trim();
    } catch (err) {
      const e = /** @type {Error & { cause?: { code?: string } }} */ (err);
      reason = e.name === 'TimeoutError' ? 'client timeout' : `network: ${e.cause?.code ?? e.message}`;
    }
    refused[reason] = (refused[reason] ?? 0) + 1;
    await sleep(Math.min(8000, 250 * 2 ** attempt));
  }
  refused['gave up after 8 tries'] = (refused['gave up after 8 tries'] ?? 0) + 1;
}
let next = 0;
await Promise.all(
  Array.from({ length: SUBMIT_CONCURRENCY }, async () => {
    while (next < TASKS) {
      const n = next++;
      await submit(n);
    }
  }),
);
say(`submitted ${TASKS}: ${accepted.size} accepted`);

// ---------------------------------------------------------------------------------------------
// Drain: every stored task terminal (and every fault done), or the timeout

const faultsPending = () => killAt.length > 0 || (redisAt !== null && !faultsDone.redis) || (mongoAt !== null && !faultsDone.mongo);
let open = Infinity;
const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
let lastSaid = 0;
while (Date.now() < drainDeadline) {
  try {
    open = await countTasks({ status: { $nin: TERMINAL } });
    if (open === 0 && !faultsPending()) {
      await faultChain;
      open = await countTasks({ status: { $nin: TERMINAL } });
      if (open === 0) break;
    }
    if (Date.now() - lastSaid > 10_000) {
      say(`draining: ${open} tasks not terminal yet`);
      lastSaid = Date.now();
    }
  } catch (err) {
    say(`drain probe failed: ${/** @type {Error} */ (err).message}`);
  }
  await sleep(1000);
}

// ---------------------------------------------------------------------------------------------
// Report

clearInterval(faultTimer);
await faultChain;
await Promise.all([api, ...workers].map(stopGracefully));
const { stored, assistantMessages } = await withDb(async (db) => ({
  stored: await db
    .collection('tasks')
    .find({}, { projection: { _id: 0, task_id: 1, status: 1, 'error.type': 1, attempts: 1, reused_steps: 1 } })
    .toArray(),
  assistantMessages: await db
    .collection('messages')
    .aggregate([{ $match: { role: 'assistant' } }, { $group: { _id: '$task_id', n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }])
    .toArray(),
}));
const byId = new Map(stored.map((t) => [t.task_id, t]));
const lost = [...accepted].filter((id) => !byId.has(id));
const notTerminal = stored.filter((t) => !TERMINAL.includes(t.status));
const count = (list, key) => list.reduce((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {});
const failedByType = count(
  stored.filter((t) => t.status === 'failed'),
  (t) => t.error?.type ?? 'unknown',
);

// Terminal lifecycle events are logged only when the conditional final write succeeded.
const terminalWrites = new Map();
/** @type {{ task_id: string, step: string, kept_at_ms: number, answered_at_ms: number, worker: string }[]} */
const stepsKept = [];
/** task_id → the workers (log labels) that picked it up, in order. */
const pickedUpBy = new Map();
for (const file of logFiles) {
  const worker = basename(file, '.log');
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (rec.service === 'worker' && ['task.completed', 'task.failed', 'task.cancelled'].includes(rec.event) && rec.task_id) {
      terminalWrites.set(rec.task_id, (terminalWrites.get(rec.task_id) ?? 0) + 1);
    }
    if (rec.service === 'worker' && rec.message === 'step kept' && rec.task_id) {
      stepsKept.push({ task_id: rec.task_id, step: rec.step, kept_at_ms: rec.kept_at_ms, answered_at_ms: rec.answered_at_ms, worker });
    }
    if (rec.service === 'worker' && rec.event === 'task.picked_up' && rec.task_id) pickedUpBy.set(rec.task_id, [...(pickedUpBy.get(rec.task_id) ?? []), worker]);
  }
}
const writtenTwice = [...terminalWrites].filter(([, n]) => n > 1).map(([id]) => id);

// LLM calls paid twice: per completed task and kind of call, the delivered 200s beyond the first.
/** The task number of a stub request: the last tag in its last user message (the router quotes earlier turns first). */
const taskOf = (req) => {
  const tags = [...req.lastUser.matchAll(TASK_TAG)];
  return tags.length ? Number(tags[tags.length - 1][1]) : null;
};
const delivered = new Map(); // task number → Map(kind → count)
let cutOff = 0;
let unattributed = 0;
for (const req of openai.requests) {
  if (!req.answered) continue;
  const n = taskOf(req);
  if (req.answered.status === 200 && !req.answered.delivered) cutOff++;
  if (req.answered.status !== 200 || !req.answered.delivered) continue;
  if (n === null) {
    unattributed++;
    continue;
  }
  const kinds = delivered.get(n) ?? new Map();
  const kind = req.schemaName ?? 'text';
  kinds.set(kind, [...(kinds.get(kind) ?? []), req]);
  delivered.set(n, kinds);
}
const sinceStart = (ms) => `${((ms - started) / 1000).toFixed(2)} s`;

// Answer → checkpoint, per step a worker kept: from the stub handing over the step's last answer (the
// router's route_decision call; the agent's last other call) to the checkpoint's acknowledgement.
/** @type {Record<string, number[]>} */
const windows = { route: [], agent: [] };
/** @type {Record<string, number[]>} */
const inWorker = { route: [], agent: [] };
for (const kept of stepsKept) {
  const calls = [...(delivered.get(taskNumbers.get(kept.task_id)) ?? new Map())]
    .filter(([kind]) => (kept.step === 'route') === (kind === 'route_decision'))
    .flatMap(([, reqs]) => reqs)
    .filter((req) => req.answered.at_ms <= kept.kept_at_ms);
  const last = calls.reduce((a, b) => (a && a.answered.at_ms >= b.answered.at_ms ? a : b), undefined);
  if (!last || !windows[kept.step]) continue;
  windows[kept.step].push(kept.kept_at_ms - last.answered.at_ms);
  inWorker[kept.step].push(kept.kept_at_ms - kept.answered_at_ms);
}
const quantile = (list, q) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : null;
};
const spread = (list) => ({ n: list.length, p50: quantile(list, 0.5), p95: quantile(list, 0.95), max: list.length ? Math.max(...list) : null });
const answerToCheckpoint = Object.fromEntries(Object.keys(windows).map((step) => [step, { stub_answer: spread(windows[step]), worker_read: spread(inWorker[step]) }]));

/** Where a call paid twice sits: when its first answer was handed over, and the fate of the worker that had it. */
function placeRepeat(taskId, step, first) {
  const answered = first.answered.at_ms;
  const worker = (pickedUpBy.get(taskId) ?? [])[0];
  const kill = faults.find((f) => f.worker === worker);
  const kept = stepsKept.find((k) => k.task_id === taskId && k.step === step && k.worker === worker);
  const parts = [`first answered ${sinceStart(answered)}`];
  if (kill) parts.push(`${worker} SIGKILLed ${sinceStart(kill.at_ms)} (${kill.at_ms - answered} ms after the answer)`);
  else if (worker) parts.push(`${worker} was not killed`);
  parts.push(kept ? `its checkpoint acknowledged ${sinceStart(kept.kept_at_ms)} (${kept.kept_at_ms - answered} ms after the answer)` : 'no checkpoint acknowledged by it');
  return parts.join(', ');
}
const paidTwice = { calls: 0, tasks: 0, details: /** @type {string[]} */ ([]) };
for (const t of stored) {
  if (t.status !== 'completed') continue;
  const kinds = delivered.get(taskNumbers.get(t.task_id)) ?? new Map();
  const repeated = [...kinds].filter(([, reqs]) => reqs.length > 1);
  const extra = repeated.reduce((sum, [, reqs]) => sum + reqs.length - 1, 0);
  paidTwice.calls += extra;
  if (extra === 0) continue;
  paidTwice.tasks++;
  const calls = repeated
    .map(([kind, reqs]) => `${kind} came at ${reqs.map((r) => `${arrivals.get(r)} s`).join(', ')}; ${placeRepeat(t.task_id, kind === 'route_decision' ? 'route' : 'agent', reqs[0])}`)
    .join('; ');
  paidTwice.details.push(`task #${taskNumbers.get(t.task_id)} (attempts ${t.attempts}, reused ${JSON.stringify(t.reused_steps ?? [])}): ${calls}`);
}
const reusedSteps = stored.reduce((acc, t) => {
  for (const step of t.reused_steps ?? []) acc[step] = (acc[step] ?? 0) + 1;
  return acc;
}, {});
const multiAttempt = stored.filter((t) => (t.attempts ?? 0) > 1).length;

const report = {
  seed: SEED,
  tasks_submitted: TASKS,
  workers: WORKERS,
  worker_concurrency: WORKER_CONCURRENCY,
  faults,
  injected,
  accepted: accepted.size,
  refused_responses: refused,
  stored: stored.length,
  completed: stored.filter((t) => t.status === 'completed').length,
  failed_by_type: failedByType,
  cancelled: stored.filter((t) => t.status === 'cancelled').length,
  picked_up_more_than_once: multiAttempt,
  still_not_terminal: notTerminal.length,
  lost: lost.length,
  written_more_than_once: writtenTwice.length,
  duplicate_result_messages: assistantMessages.length,
  llm_calls: openai.requests.length,
  llm_calls_paid_twice: paidTwice.calls,
  llm_calls_paid_twice_details: paidTwice.details,
  tasks_with_llm_calls_paid_twice: paidTwice.tasks,
  llm_calls_cut_off_by_a_kill: cutOff,
  llm_calls_unattributed: unattributed,
  tasks_with_reused_steps: reusedSteps,
  answer_to_checkpoint_ms: answerToCheckpoint,
  duration_s: Number(((Date.now() - started) / 1000).toFixed(1)),
  run_dir: args.keep ? runDir : null,
};
await Promise.all([openai.close(), tavily.close(), redis.stop(), mongo.stop()]);
if (!args.keep) rmSync(runDir, { recursive: true, force: true });

const pad = (s) => s.padEnd(28);
const lines = [
  `chaos run (seed ${SEED}): ${TASKS} tasks, ${WORKERS} workers × ${WORKER_CONCURRENCY} slots, ${faults.length} faults in ${report.duration_s} s`,
  ...faults.map((f) => `  ${String(f.at_s).padStart(7)} s  ${f.what}`),
  `${pad('injected provider errors')}${JSON.stringify(injected)}`,
  `${pad('accepted')}${report.accepted}`,
  `${pad('refused responses (retried)')}${JSON.stringify(refused)}`,
  `${pad('stored')}${report.stored}`,
  `${pad('completed')}${report.completed}`,
  `${pad('failed by type')}${JSON.stringify(failedByType)}`,
  `${pad('cancelled')}${report.cancelled}`,
  `${pad('picked up more than once')}${multiAttempt}`,
  `${pad('still not terminal')}${report.still_not_terminal}`,
  `${pad('lost (accepted, not stored)')}${report.lost}`,
  `${pad('written more than once')}${report.written_more_than_once}`,
  `${pad('duplicate result messages')}${report.duplicate_result_messages}`,
  `${pad('steps reused (tasks)')}${JSON.stringify(reusedSteps)}`,
  `${pad('LLM calls')}${report.llm_calls} (${cutOff} cut off by a kill, ${unattributed} unattributed)`,
  `${pad('LLM calls paid twice')}${paidTwice.calls}${paidTwice.calls ? ` (in ${paidTwice.tasks} tasks)` : ''}`,
  ...paidTwice.details.map((d) => `  ${d}`),
  `answer → checkpoint (ms)    p50 / p95 / max from the stub's answer; in brackets from the worker reading it`,
  ...Object.entries(answerToCheckpoint).map(
    ([step, { stub_answer: a, worker_read: w }]) => `  ${step.padEnd(6)} n ${String(a.n).padStart(4)}  ${a.p50} / ${a.p95} / ${a.max}  (${w.p50} / ${w.p95} / ${w.max})`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
// LLM calls paid twice are reported, not part of the exit code: a SIGKILL that lands between an LLM
// answer reaching the worker and that step's checkpoint write (one MongoDB write) still costs that call.
const ok = report.still_not_terminal === 0 && report.lost === 0 && report.written_more_than_once === 0 && report.duplicate_result_messages === 0;
process.exit(ok ? 0 : 1);
