#!/usr/bin/env node
// Benchmark of GET /v1/system/metrics against databases of different sizes (issue 3: its cost must
// not grow with the number of tasks ever stored).
//
//   npx nx run api:build                      # the benchmark runs the built app (apps/api/dist)
//   node tools/bench/metrics-endpoint.mjs [--sizes 10000,1000000] [--today 2000] [--requests 20]
//                                         [--warmup 3] [--batch 5000] [--budget-s 600] [--keep] [--reuse]
//
// For each size N it seeds a fresh database with N tasks: `--today` of them created today (UTC,
// between midnight and now; 85 % completed, 7 % failed, 5 % queued, 3 % processing) and the rest
// spread evenly over the 365 previous days, all finished. The number of tasks today is the same
// for every size on purpose: only the history grows, which is what the endpoint must not feel.
// (2,000 a day is ~730,000 a year, so 1,000,000 is about 16 months of such a system.) Documents are
// shaped like real tasks (task text, result with raw output and a citation, usage by model,
// metadata), ~1.3 kB each, inserted with insertMany in unordered batches.
//
// Then it starts the API in-process (createApp from apps/api/dist) on an ephemeral port with a
// real Bull queue and one published worker, sends `--warmup` requests, times `--requests`
// sequential requests with fetch (fewer, but at least one, once they have taken `--budget-s`),
// checks the answer is complete and right (tasks_today.total equals the seeded count), and prints
// min / median / p95 / max.
//
// Servers: MONGO_URI and REDIS_URL when set, otherwise tools/services starts them (FerretDB when
// no mongod binary is available). The kind of server is printed: FerretDB v1 (SQLite) runs every
// filter over the whole collection (it pushes down only `_id` equality), so there the numbers grow
// with N whatever the indexes; on MongoDB the same queries are bounded by today's index ranges.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startMongo } from '../services/mongo.mjs';
import { startRedis } from '../services/redis.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const APP_JS = path.join(ROOT, 'apps/api/dist/app/app.js');
// The built api (dist) and what it resolves from apps/api, as the running app would: runtime values,
// deliberately untyped here (tools are not compiled against the libraries' sources).
const requireFromApi = createRequire(path.join(ROOT, 'apps/api/package.json'));

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,1000000' },
    today: { type: 'string', default: '2000' },
    requests: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '5000' },
    'budget-s': { type: 'string', default: '600' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});
const int = (name, min) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${args[name]}`);
  return n;
};
const SIZES = args.sizes.split(',').map((s) => Number(s.trim()));
if (SIZES.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes must be positive integers, got ${args.sizes}`);
const TODAY_COUNT = int('today', 1);
const REQUESTS = int('requests', 1);
const WARMUP = int('warmup', 0);
const BATCH = int('batch', 1);
const BUDGET_MS = int('budget-s', 1) * 1000;
// --reuse: seed `ao_bench_<N>_kept` once and keep it, so a long run that is interrupted (or repeated
// the same UTC day) need not seed again; start the server with a data dir of its own for that
// (`node tools/services/mongo.mjs start --data-dir DIR`, then MONGO_URI=...).
const REUSE = args.reuse;
const KEEP = args.keep || REUSE;

const say = (msg) => process.stderr.write(`[bench] ${msg}\n`);
/** The server's name and version, set once connected. */
let KIND = '';
const DAY = 86_400_000;

if (!existsSync(APP_JS)) {
  say(`${path.relative(ROOT, APP_JS)} is missing: run \`npx nx run api:build\` first.`);
  process.exit(1);
}
const { createApp } = requireFromApi(APP_JS);
const { connectMongo } = requireFromApi('@agent-orchestrator/persistence');
const { loadApiConfig } = requireFromApi('@agent-orchestrator/config');
const { createTaskQueue, publishWorker } = requireFromApi('@agent-orchestrator/messaging');
const { createLogger } = requireFromApi('@agent-orchestrator/observability');
const { MongoClient } = requireFromApi('mongodb');

// --- data ---------------------------------------------------------------------------------------

let seed = 42;
/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (items) => items[Math.floor(rand() * items.length)];
/** A latency between ~0.5 s and a few minutes, skewed like real LLM calls. */
const latency = () => Math.round(500 + Math.exp(rand() * 7.5 + 2) * 4);

const AGENTS = [
  ['CodeAgent', 'code', '0.2.0'],
  ['ContentAgent', 'content', '0.3.1'],
];
const LOREM =
  'Orchestrated agents answer questions, write code and long-form content with citations; the router picks one per task. '.repeat(5);

function taskDoc(createdMs, status, dayKeyOf) {
  const created_at = new Date(createdMs);
  const [agent, agent_type, version] = pick(AGENTS);
  const routed = status !== 'queued';
  const finished = status === 'completed' || status === 'failed';
  const ms = finished ? latency() : null;
  const completed_at = finished ? new Date(createdMs + ms) : null;
  const usage = { prompt_tokens: 900, completion_tokens: 400, total_tokens: 1300, cost_usd: 0.000375 };
  return {
    task_id: randomUUID(),
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
        ? { summary: 'A short summary of the answer.', raw_output: LOREM, code_language: agent_type === 'code' ? 'typescript' : null, citations: [{ source: 'tavily', title: 'Docs', url: 'https://example.com/docs' }] }
        : null,
    error: status === 'failed' ? { type: 'LLM_ERROR', message: 'The model provider answered 500.' } : null,
    usage: { ...usage, by_model: [{ model: 'gpt-4o-mini', ...usage }] },
    attempts: routed ? 1 : 0,
    latency_ms: ms,
    finished_day: completed_at ? dayKeyOf(completed_at) : null,
  };
}

/** N documents: TODAY_COUNT today (until now), the rest over the 365 previous days. */
function* documents(n, now) {
  const midnight = now - (now % DAY);
  const dayKeyOf = (d) => d.toISOString().slice(0, 10);
  const today = Math.min(n, TODAY_COUNT);
  const past = n - today;
  const span = Math.max(1, now - 1000 - midnight);
  for (let i = 0; i < today; i++) {
    const r = rand();
    const status = r < 0.85 ? 'completed' : r < 0.92 ? 'failed' : r < 0.97 ? 'queued' : 'processing';
    yield taskDoc(midnight + Math.floor((i / today) * span), status, dayKeyOf);
  }
  for (let i = 0; i < past; i++) {
    // Evenly over [midnight - 365 days, midnight - 1 hour): finished well before today starts.
    const created = midnight - 365 * DAY + Math.floor((i / past) * (365 * DAY - 3_600_000));
    yield taskDoc(created, rand() < 0.92 ? 'completed' : 'failed', dayKeyOf);
  }
}

// --- measurement --------------------------------------------------------------------------------

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** A GET without client-side timeouts (fetch gives up after 300 s; on a slow server one request can take longer). */
function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Up to `count` sequential requests; stops early (after at least one) once `budgetMs` is spent. */
async function timeRequests(url, count, budgetMs = Infinity) {
  const times = [];
  let last;
  const started = performance.now();
  for (let i = 0; i < count && (i === 0 || performance.now() - started < budgetMs); i++) {
    const started = performance.now();
    const res = await get(url);
    last = JSON.parse(res.body);
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${res.body}`);
  }
  return { times, body: last };
}

/** Every value of `key` anywhere in an explain document (its shape differs by server and version). */
function collect(doc, key, out = []) {
  if (Array.isArray(doc)) doc.forEach((d) => collect(d, key, out));
  else if (doc && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) {
      if (k === key) out.push(v);
      else collect(v, key, out);
    }
  }
  return out;
}

/**
 * How much each of dayStats' queries reads, from the server's own explain: keys and documents
 * examined on MongoDB (bounded by today's tasks, whatever N is), the pushdown flags on FerretDB
 * (false: it scans the whole collection).
 */
async function explainDayStats(collection, now, ferret) {
  const midnight = new Date(now - (now % DAY));
  const next = new Date(midnight.getTime() + DAY);
  const finished_day = new Date(now).toISOString().slice(0, 10);
  // (FerretDB's explain does not run the query, so the skip does not matter there; counting would be one more full scan.)
  const n = ferret ? 0 : await collection.countDocuments({ finished_day });
  const skip = n - Math.max(1, Math.ceil(0.95 * n));
  const plans = {
    'by status+agent': await collection
      .aggregate([{ $match: { created_at: { $gte: midnight, $lt: next } } }, { $group: { _id: { s: '$status', a: '$selected_agent', t: '$agent_type' }, count: { $sum: 1 } } }])
      .explain('executionStats'),
    'latency count': await collection.aggregate([{ $match: { finished_day } }, { $group: { _id: 1, n: { $sum: 1 } } }]).explain('executionStats'),
    'latency sum': await collection.aggregate([{ $match: { finished_day } }, { $group: { _id: null, sum: { $sum: '$latency_ms' } } }]).explain('executionStats'),
    // (FerretDB's explain refuses a skip it was not given as a 64-bit integer; its plan does not depend on it.)
    p95: await (ferret ? collection.find({ finished_day }).sort({ latency_ms: -1 }).limit(1) : collection.find({ finished_day }, { projection: { _id: 0, latency_ms: 1 } }).sort({ latency_ms: -1 }).skip(skip).limit(1)).explain(
      'executionStats',
    ),
  };
  return Object.entries(plans).map(([name, plan]) => {
    if ('filterPushdown' in plan || collect(plan, 'filterPushdown').length) {
      return `${name}: filterPushdown=${collect(plan, 'filterPushdown')[0] ?? plan.filterPushdown}, sortPushdown=${collect(plan, 'sortPushdown')[0] ?? '-'} (${String(collect(plan, 'Plan').flat()[0] ?? '').trim()})`;
    }
    const keys = collect(plan, 'totalKeysExamined').reduce((a, b) => a + b, 0);
    const docs = collect(plan, 'totalDocsExamined').reduce((a, b) => a + b, 0);
    return `${name}: ${keys} index keys and ${docs} documents examined`;
  });
}

async function serverKind(uri) {
  const client = await MongoClient.connect(uri);
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    return 'ferretdbVersion' in info ? `FerretDB ${info.ferretdbVersion} (SQLite)` : `MongoDB ${info.version}`;
  } finally {
    await client.close();
  }
}

async function runSize(n, mongoUri, redisUrl) {
  const dbName = REUSE ? `ao_bench_${n}_kept` : `ao_bench_${n}_${randomBytes(4).toString('hex')}`;
  const store = await connectMongo({ uri: mongoUri, dbName, appName: 'ao-bench', socketTimeoutMS: 0 });
  await store.ensureIndexes();
  const client = await MongoClient.connect(mongoUri);
  const collection = client.db(dbName).collection('tasks');

  const now = Date.now();
  const reused = REUSE && (await collection.estimatedDocumentCount()) === n;
  if (REUSE && !reused) await collection.deleteMany({});
  say(reused ? `${n}: reusing ${dbName}` : `${n}: seeding ${n.toLocaleString('en')} tasks (${Math.min(n, TODAY_COUNT)} today) into ${dbName}`);
  const seedStarted = performance.now();
  let batch = [];
  let inserted = 0;
  let lastReport = seedStarted;
  for (const doc of reused ? [] : documents(n, now)) {
    batch.push(doc);
    if (batch.length === BATCH) {
      await collection.insertMany(batch, { ordered: false });
      inserted += batch.length;
      batch = [];
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        const s = (lastReport - seedStarted) / 1000;
        say(`${n}: ${inserted.toLocaleString('en')} inserted in ${s.toFixed(0)} s (${Math.round(inserted / s)}/s)`);
      }
    }
  }
  if (batch.length) await collection.insertMany(batch, { ordered: false });
  const seedSeconds = reused ? Number.NaN : (performance.now() - seedStarted) / 1000;
  const stored = await collection.estimatedDocumentCount();
  if (!reused) say(`${n}: seeded ${stored.toLocaleString('en')} in ${seedSeconds.toFixed(1)} s`);
  // The endpoint reads running counters that the lifecycle keeps; tasks inserted here bypass it, so
  // today's counters are rebuilt from them (the repair path: the aggregations this script explains).
  const rebuildStarted = performance.now();
  await store.repositories.taskCounters.rebuildDay(new Date());
  say(`${n}: today's counters rebuilt in ${((performance.now() - rebuildStarted) / 1000).toFixed(1)} s`);

  const prefix = `bull-bench-${randomBytes(4).toString('hex')}`;
  const queue = createTaskQueue(redisUrl, { failFast: false, prefix });
  await queue.isReady();
  for (let i = 0; i < 25; i++) await queue.add('process_task', { task_id: randomUUID() }, { jobId: randomUUID() });
  const worker = await publishWorker(queue.client, { agents: AGENTS.map(([name, agent_type, version]) => ({ name, version, agent_type, description: `${name} (bench)` })) }, { intervalMs: 10_000 });

  const config = loadApiConfig({ MONGO_URI: mongoUri, MONGO_DB_NAME: dbName, REDIS_URL: redisUrl, API_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'error', APP_ENV: 'bench' });
  const logger = createLogger({ service: 'bench', level: 'error', silent: true });
  // A long deadline: the point is to measure what the queries cost, not to cut them short.
  const app = createApp({ config, logger, store, queue, environment: 'bench', metricsTimeoutMs: 3_600_000 });
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  // Node's server gives up on a request after 300 s by default; a slow database must not cut the measurement.
  server.requestTimeout = 0;
  server.setTimeout(0);
  const url = `http://127.0.0.1:${server.address().port}/v1/system/metrics`;

  try {
    const warm = WARMUP > 0 ? await timeRequests(url, WARMUP, BUDGET_MS / 4) : { times: [] };
    const { times, body } = await timeRequests(url, REQUESTS, BUDGET_MS);
    if (times.length < REQUESTS) say(`${n}: the ${BUDGET_MS / 1000} s budget allowed ${times.length} of ${REQUESTS} timed requests`);
    const problems = [];
    for (const part of ['queue', 'tasks_today', 'agent_distribution_today', 'latency_today_ms', 'workers']) if (body[part] === null) problems.push(`${part} is null`);
    if (body.tasks_today && body.tasks_today.total !== Math.min(n, TODAY_COUNT)) problems.push(`tasks_today.total ${body.tasks_today.total} != ${Math.min(n, TODAY_COUNT)}`);
    if (problems.length) throw new Error(`incomplete or wrong answer: ${problems.join('; ')}`);
    for (const line of await explainDayStats(collection, now, KIND.startsWith('FerretDB')).catch((err) => [`explain failed: ${err.message}`])) say(`${n}: ${line}`);
    const sorted = [...times].sort((a, b) => a - b);
    say(`${n}: warm-up ${warm.times.map((t) => t.toFixed(0)).join(', ') || 'none'} (ms); answer: ${JSON.stringify({ tasks_today: body.tasks_today, latency_today_ms: body.latency_today_ms, queue: body.queue, workers_alive: body.workers.alive })}`);
    return {
      n,
      stored,
      today: body.tasks_today.total,
      seedSeconds,
      requests: times.length,
      min: sorted[0],
      median: percentile(sorted, 0.5),
      p95: percentile(sorted, 0.95),
      max: sorted[sorted.length - 1],
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await worker.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    if (!KEEP) await client.db(dbName).dropDatabase().catch((err) => say(`could not drop ${dbName}: ${err.message}`));
    await client.close();
    await store.close();
  }
}

// --- main ---------------------------------------------------------------------------------------

const mongo = await startMongo({ log: (m) => say(m) });
const redis = await startRedis({ log: (m) => say(m) });
let exitCode = 0;
try {
  const kind = await serverKind(mongo.uri);
  KIND = kind;
  say(`server: ${kind}; sizes ${SIZES.join(', ')}; ${WARMUP} warm-up + ${REQUESTS} timed requests each`);
  const rows = [];
  for (const n of SIZES) rows.push(await runSize(n, mongo.uri, redis.url));

  const f = (ms) => ms.toFixed(1).padStart(9);
  const lines = [
    `GET /v1/system/metrics on ${kind}: sequential requests after up to ${WARMUP} warm-up (ms)`,
    `${'tasks stored'.padStart(13)} ${'today'.padStart(6)} ${'seed (s)'.padStart(9)} ${'seed/s'.padStart(8)} ${'requests'.padStart(8)} ${'min'.padStart(9)} ${'median'.padStart(9)} ${'p95'.padStart(9)} ${'max'.padStart(9)}`,
    ...rows.map(
      (r) =>
        `${r.stored.toLocaleString('en').padStart(13)} ${String(r.today).padStart(6)} ${(Number.isNaN(r.seedSeconds) ? 'reused' : r.seedSeconds.toFixed(1)).padStart(9)} ${(Number.isNaN(r.seedSeconds) ? '-' : String(Math.round(r.n / r.seedSeconds))).padStart(8)} ${String(r.requests).padStart(8)} ${f(r.min)} ${f(r.median)} ${f(r.p95)} ${f(r.max)}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  say(`failed: ${err instanceof Error ? err.stack : err}`);
  exitCode = 1;
} finally {
  await Promise.allSettled([mongo.stop(), redis.stop()]);
}
process.exit(exitCode);
