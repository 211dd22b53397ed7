#!/usr/bin/env node
// Renders the API's docs page (GET /docs) in a real headless Chromium, offline, and checks that Swagger
// UI lists every operation of the OpenAPI document the API serves; saves a screenshot to
// tmp/docs-page.png. Exits non-zero on any failure.
//
//   node tools/ci/check-docs-page.mjs [--skip-build]
//
// Needs Chromium: Debian's `apt-get install -y chromium` (or CHROMIUM=/path/to/chrome). Builds the api
// with nx first (a cache hit when nothing changed; --skip-build when CI just built it), then starts the
// built apps/api/dist/main.js on MongoDB and Redis from tools/services (MONGO_URI / REDIS_URL when set),
// with API keys required and a low rate limit: the page, its assets and the document must stay public
// and unlimited. The browser resolves no host but 127.0.0.1, so a page that needed a CDN would not render.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startMongo } from '../services/mongo.mjs';
import { freePort } from '../services/net.mjs';
import { stopChild, which } from '../services/proc.mjs';
import { startRedis } from '../services/redis.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'apps', 'api', 'dist', 'main.js');
const SCREENSHOT = join(ROOT, 'tmp', 'docs-page.png');
/** The paths the issue names; every documented operation is checked besides. */
const MUST_LIST = ['/v1/agent/execute', '/v1/tasks/{task_id}', '/v1/tasks', '/v1/system/metrics', '/v1/agents'];
// Generous: on a loaded 2-core machine Chromium alone has taken over 60 s to render the page.
const BROWSER_TIMEOUT_MS = 180_000;

const started = Date.now();
const log = (msg) => process.stderr.write(`[docs-check] ${msg}\n`);
const cleanups = [];
let failures = 0;
const fail = (msg) => {
  failures += 1;
  log(`FAIL ${msg}`);
};

function findChromium() {
  const explicit = process.env.CHROMIUM;
  if (explicit) {
    const found = explicit.includes('/') ? (existsSync(explicit) ? explicit : null) : which(explicit);
    if (!found) throw new Error(`CHROMIUM=${explicit} not found`);
    return found;
  }
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const found = which(name);
    if (found) return found;
  }
  throw new Error('Chromium not found: `apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM=/path/to/chrome');
}

/** Runs Chromium headless on `url` with `extra` flags; resolves its stdout and stderr. */
function chromium(binary, url, extra) {
  const profile = mkdtempSync(join(tmpdir(), 'ao-docs-chromium-'));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    `--user-data-dir=${profile}`,
    // Offline: every host but the API's is unresolvable.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--virtual-time-budget=5000',
    // Console messages (a CSP violation, a failed load) go to stderr.
    '--enable-logging=stderr',
    '--v=0',
    ...extra,
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Chromium did not finish within ${BROWSER_TIMEOUT_MS} ms\n${stderr.slice(-2000)}`));
    }, BROWSER_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`Chromium exited with ${signal ?? code}\n${stderr.slice(-2000)}`));
    });
  });
}

async function waitForHealth(base, api) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`the api exited with ${api.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the api did not answer /healthz within 30 s');
}

const unescapeHtml = (s) => s.replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function main() {
  const browser = findChromium();
  if (!process.argv.includes('--skip-build')) {
    log('building the api (npx nx build api)');
    const build = spawnSync('npx', ['nx', 'build', 'api', '--outputStyle=static'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NX_NO_CLOUD: 'true' } });
    if (build.status !== 0) throw new Error(`npx nx build api failed (${build.status})`);
  }
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build the api first (npx nx build api)`);

  const quiet = (msg) => process.env.DEBUG_SERVICES && log(msg);
  const [mongo, redis] = await Promise.all([startMongo({ log: quiet }), startRedis({ log: quiet })]);
  cleanups.push(() => mongo.stop(), () => redis.stop());
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = '';
  const api = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      APP_ENV: 'docs-check',
      MONGO_URI: mongo.uri,
      MONGO_DB_NAME: `ao_docs_check_${randomBytes(4).toString('hex')}`,
      REDIS_URL: redis.url,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      API_KEYS: `docs-check:${randomBytes(24).toString('hex')}`,
      // Below what the page loads: were the page or its assets limited, some would get 429.
      API_RATE_LIMIT_PER_MINUTE: '3',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout.on('data', (c) => (output += c));
  api.stderr.on('data', (c) => (output += c));
  cleanups.push(() => stopChild(api));
  try {
    await waitForHealth(base, api);
  } catch (err) {
    throw new Error(`${/** @type {Error} */ (err).message}\n--- api output ---\n${output.slice(-3000)}`);
  }

  // The API itself: keys required, while the document is public.
  if ((await fetch(`${base}/v1/tasks`)).status !== 401) fail('GET /v1/tasks without a key is not 401: the check would prove nothing about public docs');
  const docRes = await fetch(`${base}/v1/openapi.json`);
  if (docRes.status !== 200) throw new Error(`GET /v1/openapi.json without a key answered ${docRes.status}`);
  const document = /** @type {{ paths: Record<string, Record<string, { tags: string[], operationId: string }>> }} */ (await docRes.json());
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), id: `operations-${op.tags[0]}-${op.operationId}` })),
  );
  for (const path of MUST_LIST) if (!document.paths[path]) fail(`the document has no ${path}`);

  const url = `${base}/docs`;
  const { stdout: dom, stderr } = await chromium(browser, url, ['--dump-dom']);
  if (!/<title>Agent Orchestrator API<\/title>/.test(dom)) fail('the page title is missing: not the docs page?');
  if (!dom.includes('class="swagger-ui"')) fail('Swagger UI did not render (no .swagger-ui element)');
  if (/Failed to load API definition|errors-wrapper|Unable to render this definition/.test(dom)) fail('Swagger UI shows an error');
  const html = unescapeHtml(dom);
  let rendered = 0;
  for (const op of operations) {
    const block = html.indexOf(`id="${op.id}"`);
    const section = block < 0 ? '' : html.slice(block, block + 4000);
    const ok = block >= 0 && section.includes(`data-path="${op.path}"`) && new RegExp(`opblock-summary-method"[^>]*>${op.method}<`).test(section);
    if (ok) rendered += 1;
    else fail(`operation ${op.method} ${op.path} (#${op.id}) is not listed on the page`);
  }
  // Anything the page loads from elsewhere would be in the DOM (the resolver rules above make it fail to load, too).
  const foreign = [...dom.matchAll(/<(script|link|img|iframe|source|embed|object)\b[^>]*\b(?:src|href|data)="((?:https?:)?\/\/[^"]*)"/gi)].filter(
    ([, , address]) => !address.startsWith(`${base}/`),
  );
  for (const [, tag, address] of foreign) fail(`the page loads <${tag}> from ${address}`);
  // The page logs nothing when all is well: any console message (a CSP violation, a failed load, an exception) fails.
  for (const line of stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l))) fail(`browser console: ${line.trim()}`);

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  rmSync(SCREENSHOT, { force: true });
  await chromium(browser, url, [`--screenshot=${SCREENSHOT}`, '--window-size=1280,1600', '--hide-scrollbars']);
  if (!existsSync(SCREENSHOT) || statSync(SCREENSHOT).size < 10_000) fail(`no screenshot at ${SCREENSHOT}`);

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failures > 0) throw new Error(`${failures} check(s) failed (${seconds} s)`);
  log(`OK: ${rendered}/${operations.length} operations listed by Swagger UI at ${url}, offline, no console errors; screenshot ${SCREENSHOT} (${seconds} s)`);
}

try {
  await main();
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (err) {
      log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
