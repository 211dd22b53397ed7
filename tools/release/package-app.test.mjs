// Needs: MongoDB and Redis (MONGO_URI / REDIS_URL, else tools/services starts them), the npm registry.
//
//   node --test tools/release/package-app.test.mjs
//
// The build steps of apps/<app>/Dockerfile, outside Docker: build the app with Nx, package it with
// package-app.mjs, copy the package into a clean folder outside the repo (the runtime stage's
// `COPY --from=build /out`), `npm ci --omit=dev --ignore-scripts` there, start `node dist/main.js`
// as the image would, and check it works against real servers: the api answers /healthz and
// /readyz, the worker logs "worker ready"; each image's HEALTHCHECK script passes, and fails when it
// should; SIGTERM stops the app with exit code 0 (the apps run as PID 1 in the image).
//
// AO_PACKAGE_SKIP_BUILD=1 uses the dist/ folders as they are; AO_KEEP_PACKAGE=1 keeps the folders.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startMongo } from '../services/mongo.mjs';
import { freePort } from '../services/net.mjs';
import { startRedis } from '../services/redis.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGE_APP = path.join(ROOT, 'tools/release/package-app.mjs');
const npmCmd = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const DEV_ONLY = ['jest', 'typescript', 'nx', '@nx/devkit', 'eslint', '@swc/core', 'mongodb-memory-server', 'supertest'];
const dbName = `ao_package_test_${process.pid}`;
const keep = process.env.AO_KEEP_PACKAGE === '1';

let mongo;
let redis;
const tmpDirs = [];
const children = new Set();

function tmp(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs a command, resolves with its output and duration; rejects with the output on failure. */
function run(cmd, args, opts = {}) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ms = Date.now() - started;
      if (code === 0) resolve({ out, ms });
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? code}) after ${seconds(ms)}:\n${out.slice(-6000)}`));
    });
  });
}

/**
 * The arguments of `node` in the HEALTHCHECK of apps/<app>/Dockerfile (exec form, `CMD ["node", ...]`):
 * the test runs exactly what the image runs.
 * @param {string} app
 * @returns {string[]}
 */
function imageHealthcheckArgs(app) {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'apps', app, 'Dockerfile'), 'utf8');
  const match = /^HEALTHCHECK\b.*\bCMD (\[.*\])\s*$/m.exec(dockerfile);
  assert.ok(match, `apps/${app}/Dockerfile has no exec-form HEALTHCHECK`);
  const [cmd, ...args] = JSON.parse(match[1]);
  assert.equal(cmd, 'node', `the HEALTHCHECK of apps/${app}/Dockerfile should run node: ${match[1]}`);
  return args;
}

/**
 * Exit code and stderr of the image's HEALTHCHECK command run in `dir` with exactly `env`.
 * @param {string} app
 * @param {string} dir
 * @param {Record<string, string>} env
 * @returns {Promise<{ code: number | null, err: string }>}
 */
async function healthcheck(app, dir, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, imageHealthcheckArgs(app), { cwd: dir, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, err }));
  });
}

/** Starts `node dist/main.js` in `dir` with only `env` (plus PATH/HOME), collecting its output. */
function startApp(dir, env) {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: os.homedir(), NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const proc = { child, output: '', exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
  child.stdout.on('data', (d) => (proc.output += d));
  child.stderr.on('data', (d) => (proc.output += d));
  proc.exited.then(() => children.delete(child));
  return proc;
}

async function waitFor(what, proc, predicate, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (proc.child.exitCode !== null) assert.fail(`the app exited (${proc.child.exitCode}) before ${what}:\n${proc.output}`);
    if (Date.now() > deadline) assert.fail(`no ${what} within ${timeoutMs} ms:\n${proc.output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopApp(proc) {
  proc.child.kill('SIGTERM');
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 40_000).unref());
  const result = await Promise.race([proc.exited, timeout]);
  assert.notEqual(result, 'timeout', `no exit within 40 s of SIGTERM:\n${proc.output}`);
  assert.equal(result.code, 0, `exit after SIGTERM: ${JSON.stringify(result)}\n${proc.output}`);
}

function get(port, pathname) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, body: err.message }));
  });
}

/** A stand-in for SSM's GetParameter (JSON 1.1) answering one parameter. */
async function startSsmStub(name, value) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const input = JSON.parse(body || '{}');
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (req.headers['x-amz-target'] === 'AmazonSSM.GetParameter' && input.Name === name) {
        res.end(JSON.stringify({ Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } }));
      } else {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ParameterNotFound', message: `${input.Name} not found` }));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/**
 * The Dockerfile's steps for `app`: package (the build stage), then install in a clean folder
 * (the runtime stage). Returns the clean folder.
 */
async function packageAndInstall(t, app) {
  const work = tmp(`ao-package-${app}-`);
  const out = path.join(work, 'out');
  const pack = await run(process.execPath, [PACKAGE_APP, app, out], { cwd: ROOT });
  assert.match(pack.out, /all from the monorepo lockfile/, `every locked version should come from the monorepo lockfile:\n${pack.out}`);
  t.diagnostic(`${app}: package-app.mjs took ${seconds(pack.ms)}`);

  // A folder outside the repo, with no node_modules above it that could hide a missing dependency.
  const clean = path.join(work, 'app');
  for (let dir = work; ; dir = path.dirname(dir)) {
    assert.ok(!fs.existsSync(path.join(dir, 'node_modules')), `${dir}/node_modules exists: the clean install would not be clean`);
    if (path.dirname(dir) === dir) break;
  }
  fs.cpSync(out, clean, { recursive: true });
  const check = imageHealthcheckArgs(app)[0];
  assert.ok(fs.existsSync(path.join(clean, check)), `the package lacks ${check}, the script of the image's HEALTHCHECK`);
  const install = await run(npmCmd, ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: clean,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  t.diagnostic(`${app}: npm ci --omit=dev took ${seconds(install.ms)}`);

  const pkg = JSON.parse(fs.readFileSync(path.join(clean, 'package.json'), 'utf8'));
  for (const [name, spec] of Object.entries(pkg.dependencies)) {
    if (!spec.startsWith('file:')) continue;
    const dir = path.join(clean, 'node_modules', name);
    assert.ok(fs.lstatSync(dir).isDirectory() && !fs.lstatSync(dir).isSymbolicLink(), `${name} should be a real installed package`);
    assert.ok(!fs.existsSync(path.join(dir, 'src')), `${name} should ship dist only, not src`);
  }
  for (const name of DEV_ONLY) {
    assert.ok(!fs.existsSync(path.join(clean, 'node_modules', name)), `${name} is a development dependency and must not be installed`);
  }
  const size = execFileSync('du', ['-sm', path.join(clean, 'node_modules')], { encoding: 'utf8' }).split('\t')[0];
  t.diagnostic(`${app}: node_modules is ${size} MB`);
  return clean;
}

before(async () => {
  if (process.env.AO_PACKAGE_SKIP_BUILD !== '1') {
    const build = await run('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], {
      cwd: ROOT,
      env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false' },
    });
    process.stderr.write(`[package-app.test] nx build of api and worker: ${seconds(build.ms)}\n`);
  }
  [mongo, redis] = await Promise.all([startMongo(), startRedis()]);
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  if (mongo) {
    try {
      const { MongoClient } = createRequire(path.join(ROOT, 'package.json'))('mongodb');
      const client = await MongoClient.connect(mongo.uri, { serverSelectionTimeoutMS: 5000 });
      await client.db(dbName).dropDatabase();
      await client.close();
    } catch (err) {
      process.stderr.write(`[package-app.test] could not drop ${dbName}: ${/** @type {Error} */ (err).message}\n`);
    }
  }
  await Promise.all([mongo?.stop(), redis?.stop()]);
  if (keep) process.stderr.write(`[package-app.test] kept ${tmpDirs.join(', ')}\n`);
  else for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('api: the production package installs in a clean folder and serves /healthz and /readyz', { timeout: 600_000 }, async (t) => {
  const dir = await packageAndInstall(t, 'api');
  const port = await freePort();
  const started = Date.now();
  const api = startApp(dir, { MONGO_URI: mongo.uri, MONGO_DB_NAME: dbName, REDIS_URL: redis.url, PORT: String(port), HOST: '127.0.0.1' });
  await waitFor('200 from /readyz', api, async () => (await get(port, '/readyz')).status === 200);
  t.diagnostic(`api: ready ${seconds(Date.now() - started)} after start`);

  const healthz = await get(port, '/healthz');
  assert.equal(healthz.status, 200);
  assert.equal(JSON.parse(healthz.body).status, 'ok');
  const readyz = await get(port, '/readyz');
  assert.equal(readyz.status, 200);
  assert.deepEqual(JSON.parse(readyz.body).checks, { mongodb: 'ok', redis: 'ok' });

  assert.equal((await healthcheck('api', dir, { PORT: String(port) })).code, 0, 'HEALTHCHECK passes against the running api');
  assert.equal((await healthcheck('api', dir, { PORT: String(await freePort()) })).code, 1, 'HEALTHCHECK fails when nothing listens');

  await stopApp(api);
});

test('worker: the production package installs in a clean folder, loads its agents by name and gets ready', { timeout: 600_000 }, async (t) => {
  const dir = await packageAndInstall(t, 'worker');
  const started = Date.now();
  const worker = startApp(dir, {
    MONGO_URI: mongo.uri,
    MONGO_DB_NAME: dbName,
    REDIS_URL: redis.url,
    AGENTS: '@agent-orchestrator/agent-content,@agent-orchestrator/agent-code',
  });
  await waitFor('"worker ready" log line', worker, () => /"message":"worker ready"/.test(worker.output));
  t.diagnostic(`worker: ready ${seconds(Date.now() - started)} after start`);
  const ready = worker.output.split('\n').find((l) => l.includes('"worker ready"')) ?? assert.fail('no "worker ready" line');
  assert.match(ready, /ContentAgent@/);
  assert.match(ready, /CodeAgent@/);

  assert.equal((await healthcheck('worker', dir, { REDIS_URL: redis.url })).code, 0, 'HEALTHCHECK passes with Redis up');
  const down = await healthcheck('worker', dir, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
  assert.equal(down.code, 1, 'HEALTHCHECK fails when Redis is down');
  assert.match(down.err, /Redis is not reachable/);
  assert.equal((await healthcheck('worker', dir, {})).code, 1, 'HEALTHCHECK fails without any Redis setting');

  // In AWS only SSM_PARAMETER_PATH is in the container's environment: the check reads REDIS_URL from SSM.
  const ssm = await startSsmStub('/agent-orchestrator-api/dev/REDIS_URL', redis.url);
  try {
    const fromSsm = await healthcheck('worker', dir, {
      SSM_PARAMETER_PATH: '/agent-orchestrator-api/dev/',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SSM: ssm.url,
    });
    assert.equal(fromSsm.code, 0, `HEALTHCHECK with REDIS_URL from SSM: ${fromSsm.err}`);
  } finally {
    await ssm.close();
  }

  await stopApp(worker);
});
