#!/usr/bin/env node
/**
 * What each middleware of the api costs on `POST /v1/agent/execute` (issue 11, goal 1).
 *
 *   node tools/bench/middleware.mjs [--requests 4000] [--concurrency 16] [--api-keys] [--cpu-prof-dir DIR]
 *
 * Builds the real app (`createApp` from apps/api/dist, so build first: `npx nx run-many -t build -p api`)
 * in a child process, with the in-memory repositories and queue (so MongoDB and Redis are out of
 * the figures) and the real logger writing JSON lines to a discarded stdout, as in production.
 * Every layer of the app's router (and of the routers and routes inside it) is wrapped: its own
 * synchronous CPU time (minus the time of the layers it calls synchronously through `next`) plus the
 * time of the `finish`/`close` listeners it registers (the request log and the HTTP metrics do
 * their work there). What is left of the child's CPU time per request (process.cpuUsage) is shown
 * as "not attributed": HTTP parsing, the async continuations of the body parser, the rate
 * limiter's store, the use case and the response. The load (keep-alive HTTP, `--concurrency`
 * requests in flight) comes from this process, so its CPU is not in the figures.
 *
 * Nothing here is asserted anywhere; the figures depend on the machine and its load.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BODY = JSON.stringify({ task: 'Write a python function that returns the nth Fibonacci number, with tests.' });
const API_KEY = 'bench-key-secret-0123456789abcdef';
const TIMED = Symbol('timed');

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '4000' },
    warmup: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    'api-keys': { type: 'boolean', default: false },
    'cpu-prof-dir': { type: 'string' },
    child: { type: 'boolean', default: false },
  },
});

if (args.child) await child();
else await parent();

// ---------------------------------------------------------------------------------------------
// The load generator and the table.

async function parent() {
  const requests = Number(args.requests);
  const warmup = Number(args.warmup);
  const concurrency = Number(args.concurrency);
  const proc = fork(fileURLToPath(import.meta.url), ['--child', ...(args['api-keys'] ? ['--api-keys'] : [])], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // --cpu-prof-dir DIR: also write a V8 CPU profile of the app process there (open it in Chrome DevTools).
    execArgv: args['cpu-prof-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof-dir']}`] : [],
  });
  const ask = (message) =>
    new Promise((resolve) => {
      proc.once('message', resolve);
      proc.send(message);
    });
  const { port } = await new Promise((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => reject(new Error(`the app process exited (${code})`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const headers = { 'content-type': 'application/json', 'user-agent': 'ao-bench/1.0', ...(args['api-keys'] ? { 'x-api-key': API_KEY } : {}) };
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
  const run = async (n) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          await post();
        }
      }),
    );
  };

  await run(warmup);
  await ask({ cmd: 'reset' });
  const started = performance.now();
  await run(requests);
  const seconds = (performance.now() - started) / 1000;
  const report = await ask({ cmd: 'report' });
  agent.destroy();
  proc.send({ cmd: 'exit' });

  const perReq = (us) => us / report.requests;
  const rows = report.layers.filter((l) => l.calls > 0).map((l) => ({ name: l.name, calls: l.calls / report.requests, us: perReq(l.us) }));
  const attributed = rows.reduce((sum, r) => sum + r.us, 0);
  const cpu = perReq(report.cpuUs);
  const pad = (s, n) => String(s).padEnd(n);
  const num = (v) => v.toFixed(1).padStart(9);
  const lines = [
    `| ${pad('layer (in order)', 48)} | calls/req |   µs/req | share of CPU |`,
    `| ${'-'.repeat(48)} | --------: | -------: | -----------: |`,
    ...rows.map((r) => `| ${pad(r.name, 48)} | ${r.calls.toFixed(2).padStart(9)} | ${num(r.us)} | ${((100 * r.us) / cpu).toFixed(1).padStart(11)}% |`),
    `| ${pad('sum of the layers above', 48)} |           | ${num(attributed)} | ${((100 * attributed) / cpu).toFixed(1).padStart(11)}% |`,
    `| ${pad('not attributed (HTTP, async parts, use case)', 48)} |           | ${num(cpu - attributed)} | ${((100 * (cpu - attributed)) / cpu).toFixed(1).padStart(11)}% |`,
    `| ${pad('CPU of the app process per request', 48)} |           | ${num(cpu)} |       100.0% |`,
  ];
  console.log(lines.join('\n'));
  console.log(`\nThe wrappers' own cost (process.cpuUsage calls, ${report.probeUs.toFixed(2)} µs each) is taken off the layers and left in "not attributed".`);
  console.log(
    `${report.requests} requests (after ${warmup} warm-up), ${concurrency} in flight, ${(report.requests / seconds).toFixed(0)} req/s in this run; API keys ${args['api-keys'] ? 'on' : 'off'}; in-memory store and queue; Node ${process.version}; load average ${report.loadavg.map((x) => x.toFixed(2)).join(' ')}`,
  );
}

// ---------------------------------------------------------------------------------------------
// The app, instrumented.

async function child() {
  const require = createRequire(path.join(ROOT, 'package.json'));
  const { createApp } = require(path.join(ROOT, 'apps/api/dist/app/app.js'));
  // By path (the built libs), like the app: the bench is not a workspace project.
  const { loadApiConfig } = require(path.join(ROOT, 'libs/config/dist/index.js'));
  const { createLogger } = require(path.join(ROOT, 'libs/observability/dist/index.js'));
  // The files, not the testing entry points: those also export the Jest kits.
  const { InMemoryStore } = require(path.join(ROOT, 'libs/persistence/dist/testing/in-memory-store.js'));
  const { InMemoryTaskQueue } = require(path.join(ROOT, 'libs/tasks/dist/testing/in-memory-task-queue.js'));
  const { InMemoryCancelChannel } = require(path.join(ROOT, 'libs/tasks/dist/testing/in-memory-cancel-channel.js'));
  const os = await import('node:os');

  const config = loadApiConfig({
    MONGO_URI: 'mongodb://127.0.0.1:1/bench',
    REDIS_URL: 'redis://127.0.0.1:1',
    NODE_ENV: 'production',
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    ...(args['api-keys'] ? { API_KEYS: `bench:${API_KEY}` } : {}),
  });
  const logger = createLogger({ service: 'api', level: 'info' });
  const store = new InMemoryStore();
  const app = createApp({
    config,
    logger,
    store,
    queue: new InMemoryTaskQueue(),
    cancels: new InMemoryCancelChannel(),
    pingRedis: async () => true,
    workerDirectory: { listLive: async () => [] },
    environment: 'bench',
  });

  /** @type {Map<string, { name: string, calls: number, us: number }>} */
  const layers = new Map();
  const slot = (name) => {
    let s = layers.get(name);
    if (!s) layers.set(name, (s = { name, calls: 0, us: 0 }));
    return s;
  };
  // CPU time, not wall time: on a loaded machine the wall clock also counts the time the process
  // waits for a core. process.cpuUsage() costs about a microsecond a call.
  const nowUs = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  // What one nowUs() costs, taken off each measurement (a wrapper makes two calls, plus two per synchronous next()).
  const probe = 20_000;
  const p0 = nowUs();
  for (let i = 0; i < probe; i++) nowUs();
  const probeUs = (nowUs() - p0) / probe;
  const uniqueName = (base) => {
    let name = base;
    for (let i = 2; layers.has(name); i++) name = `${base} #${i}`;
    slot(name);
    return name;
  };

  function wrap(name, fn) {
    const s = slot(name);
    const finishSlot = slot(`${name} (finish/close listeners)`);
    const timeListeners = (res) => {
      const once = res.once;
      const on = res.on;
      const timed = (listener) => {
        // Attributed to the innermost middleware that registers it (outer wrappers see it marked).
        if (listener[TIMED]) return listener;
        /** @this {unknown} @param {unknown[]} a */
        const t = function (...a) {
          const t0 = nowUs();
          try {
            return listener.apply(this, a);
          } finally {
            finishSlot.calls++;
            finishSlot.us += Math.max(0, nowUs() - t0 - probeUs);
          }
        };
        t[TIMED] = true;
        return t;
      };
      res.once = function (event, listener) {
        return once.call(this, event, event === 'finish' || event === 'close' ? timed(listener) : listener);
      };
      res.on = function (event, listener) {
        return on.call(this, event, event === 'finish' || event === 'close' ? timed(listener) : listener);
      };
      return () => {
        res.once = once;
        res.on = on;
      };
    };
    const call = (invoke, res, next) => {
      const t0 = nowUs();
      let inner = 0;
      let returned = false;
      const timedNext = (...a) => {
        if (returned) return next(...a);
        const n0 = nowUs();
        try {
          return next(...a);
        } finally {
          inner += nowUs() - n0 + 2 * probeUs;
        }
      };
      const restore = timeListeners(res);
      try {
        return invoke(timedNext);
      } finally {
        returned = true;
        restore();
        s.calls++;
        s.us += Math.max(0, nowUs() - t0 - inner - probeUs);
      }
    };
    // Keep the arity: Express tells error handlers (4 arguments) from the others by it.
    return fn.length === 4
      ? (err, req, res, next) => call((n) => fn(err, req, res, n), res, next)
      : (req, res, next) => call((n) => fn(req, res, n), res, next);
  }

  function instrument(stack, prefix) {
    for (const layer of stack) {
      const label = layer.route
        ? `${Object.keys(layer.route.methods ?? {})
            .join(',')
            .toUpperCase()} ${layer.route.path}`
        : layer.handle?.name || '<anonymous>';
      if (layer.route) instrument(layer.route.stack, `${prefix}${label} › `);
      else if (Array.isArray(layer.handle?.stack)) instrument(layer.handle.stack, `${prefix}router › `);
      else layer.handle = wrap(uniqueName(`${prefix}${label}`), layer.handle);
    }
  }
  instrument(app.router.stack, '');

  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  /** @param {unknown} message */
  const send = (message) => process.send?.(message);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let cpu0 = process.cpuUsage();
  let requests = 0;
  server.on('request', () => requests++);
  process.on('message', (/** @type {{ cmd: string }} */ msg) => {
    if (msg.cmd === 'reset') {
      for (const s of layers.values()) Object.assign(s, { calls: 0, us: 0 });
      // The store keeps every task: start the measured run from an empty one, like the warm-up did.
      store.tasks.clear();
      store.messages.length = 0;
      store.sessions.clear();
      requests = 0;
      cpu0 = process.cpuUsage();
      send({ ok: true });
    } else if (msg.cmd === 'exit') {
      server.closeAllConnections();
      server.close();
      process.disconnect();
      setTimeout(() => process.exit(0), 200).unref();
    } else if (msg.cmd === 'report') {
      const cpu = process.cpuUsage(cpu0);
      send({ requests, cpuUs: cpu.user + cpu.system, layers: [...layers.values()], loadavg: os.loadavg(), probeUs });
    }
  });
  send({ port });
}
