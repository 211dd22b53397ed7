// The running system schemathesis fuzzes (tools/ci/schemathesis.sh): a throwaway MongoDB-compatible
// server and Redis (or MONGO_URI / REDIS_URL when set, with a database of its own), the built api and
// worker, a rate limit high enough for the fuzzer and, with `--keys`, an API key (else the API is
// open, as a default `npm start` is). The LLM is left unconfigured, so tasks fail fast with
// LLM_NOT_CONFIGURED. Writes `URL=... KEY=...` (KEY empty when open) to the file given as first
// argument once /readyz answers 200; stops everything on SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMongo } from '../services/mongo.mjs';
import { freePort } from '../services/net.mjs';
import { stopChild } from '../services/proc.mjs';
import { startRedis } from '../services/redis.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readyFile = process.argv[2];
const withKeys = process.argv.includes('--keys');
const say = (/** @type {string} */ msg) => process.stderr.write(`[schemathesis-stack] ${msg}\n`);
if (!readyFile) {
  say('usage: node tools/ci/schemathesis-stack.mjs <ready-file> [--keys]');
  process.exit(2);
}

const mongo = await startMongo({ log: say });
const redis = await startRedis({ log: say });
const port = await freePort();
const key = withKeys ? `fuzz-${randomBytes(16).toString('hex')}` : '';
/** @type {Record<string, string | undefined>} */
const env = {
  ...process.env,
  MONGO_URI: mongo.uri,
  MONGO_DB_NAME: `schemathesis_${randomBytes(4).toString('hex')}`,
  REDIS_URL: redis.url,
  PORT: String(port),
  HOST: '127.0.0.1',
  APP_ENV: 'schemathesis',
  LOG_LEVEL: 'error',
  // A JSON key with a tenant and explicit scopes (not admin): the fuzzer runs as one tenant's scoped key.
  API_KEYS: withKeys
    ? JSON.stringify([{ id: 'fuzz', secret: key, tenant: 'fuzz-tenant', scopes: ['tasks:submit', 'tasks:read', 'tasks:manage', 'system:read'] }])
    : undefined,
  API_RATE_LIMIT_PER_MINUTE: '1000000',
  // Callbacks are signable, so every schema-valid callback_url is accepted (the document's pattern is
  // the whole rule); the worker's deliveries to the fuzzed hosts fail and back off, off to the side.
  WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
};
for (const name of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'TAVILY_API_KEY', 'SSM_PARAMETER_PATH']) delete env[name];

let stopping = false;
const children = ['api', 'worker'].map((app) => {
  const child = spawn(process.execPath, [join(root, 'apps', app, 'dist', 'main.js')], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${app} exited (${signal ?? code})`);
      void stop(1);
    }
  });
  return child;
});

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((c) => stopChild(c, 15_000)));
  await Promise.allSettled([mongo.stop(), redis.stop()]);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const url = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 60_000;
for (;;) {
  try {
    const res = await fetch(`${url}/readyz`);
    if (res.status === 200) break;
  } catch {
    // not listening yet
  }
  if (Date.now() > deadline) {
    say('the api did not become ready within 60 s');
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}
writeFileSync(readyFile, `URL=${url}\nKEY=${key}\n`);
say(`ready at ${url}`);
