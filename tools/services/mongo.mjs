#!/usr/bin/env node
// Get a real MongoDB-compatible server for tests, CI and the dev "run" command.
//
//   import { startMongo } from '../../tools/services/mongo.mjs';
//   const { uri, kind, stop } = await startMongo({ dataDir, log });
//
// Resolution order (see README.md):
//   1. $MONGO_URI                       -> kind 'external'
//   2. mongodb-memory-server, only if a mongod binary is available -> kind 'memory-server'
//   3. FerretDB v1 (SQLite backend) built from tools/ferretdb with Go -> kind 'ferretdb'
// Only when asked (AO_MONGO_BACKEND=mongo-java-server, or startMongo({ backend })): mongo-java-server's
// in-memory backend, built from tools/mongo-java-server with Maven + javac -> kind 'mongo-java-server'
// (for benchmarks: fast, nothing persisted, only unique indexes are real).
//
// CLI:
//   node tools/services/mongo.mjs build                    # build/cache the FerretDB binary, print its path
//                                                          # (with AO_MONGO_BACKEND=mongo-java-server: that one)
//   node tools/services/mongo.mjs start [--data-dir DIR] [--port PORT]   # print MONGO_URI=..., run until SIGINT/SIGTERM
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { errorMessage, freePort, sleep, unrefStream, waitForPort } from './net.mjs';
import {
  cacheRoot,
  defaultLog,
  importOptional,
  onProcessExit,
  parseCli,
  rmrf,
  stopChild,
  tailLines,
  tmpDir,
  waitForSignal,
  which,
} from './proc.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FERRETDB_SRC = path.resolve(HERE, '../ferretdb');
const MJS_SRC = path.resolve(HERE, '../mongo-java-server');
const BACKENDS = ['memory-server', 'ferretdb', 'mongo-java-server'];
const GO_BUILD_ARGS = ['build', '-trimpath', '-buildvcs=false', '-mod=readonly', '-tags', 'ferretdb_no_postgresql', '-ldflags', '-s -w'];

const LOCK_WAIT_MS = 15 * 60_000; // how long to wait for another process's build
const LOCK_STALE_MS = 20 * 60_000; // a lock older than this is considered abandoned
const PRUNE_AFTER_MS = 14 * 24 * 3600_000; // cached binaries of other source versions unused this long are deleted
const MMS_PROBE_TIMEOUT_MS = 3_000;
const MMS_DOWNLOAD_TIMEOUT_MS = Number(process.env.AO_MONGOMS_DOWNLOAD_TIMEOUT_MS) || 120_000;
const MMS_START_TIMEOUT_MS = 60_000;

const noop = async () => {
  // stop() of a server this process did not start: nothing to stop
};

/**
 * Starts (or locates) a MongoDB-compatible server.
 * @param {{ dataDir?: string, port?: number, backend?: string, javaOpts?: string[], log?: (msg: string) => void }} [opts]
 *   dataDir: persistent data directory (kept on stop); default is a temp dir removed on stop.
 *   port: listen on this port (a restart on the same data dir and port keeps the URI); default a free one.
 *   backend: 'memory-server' | 'ferretdb' | 'mongo-java-server'; default $AO_MONGO_BACKEND, else the first that works.
 *   javaOpts: JVM options for mongo-java-server (e.g. ['-Xmx12g']); default $AO_MONGO_JAVA_OPTS split on spaces.
 * @returns {Promise<{ uri: string, kind: 'external' | 'memory-server' | 'ferretdb' | 'mongo-java-server', pid?: number, stop: () => Promise<void> }>}
 *   pid: the server process's id, when this call started one that runs as a child (mongo-java-server).
 */
export async function startMongo({ dataDir, port, backend, javaOpts, log = defaultLog('mongo') } = {}) {
  if (process.env.MONGO_URI) {
    log(`using MONGO_URI from the environment (${redact(process.env.MONGO_URI)})`);
    return { uri: process.env.MONGO_URI, kind: 'external', stop: noop };
  }

  const forced = backend || process.env.AO_MONGO_BACKEND || undefined;
  if (forced && !BACKENDS.includes(forced)) {
    throw new Error(`AO_MONGO_BACKEND must be one of ${BACKENDS.map((b) => `"${b}"`).join(', ')}, got "${forced}"`);
  }
  if (forced === 'mongo-java-server') return startMongoJavaServer({ dataDir, port, javaOpts, log });

  const tried = [];
  if (forced !== 'ferretdb') {
    try {
      const res = await tryMemoryServer({ dataDir, port, log });
      if (res) return res;
      tried.push('mongodb-memory-server: no mongod binary available');
    } catch (err) {
      log(`mongodb-memory-server failed, falling through: ${errorMessage(err)}`);
      tried.push(`mongodb-memory-server: ${errorMessage(err)}`);
    }
    if (forced === 'memory-server') {
      throw new Error(`AO_MONGO_BACKEND=memory-server but it could not be used (${tried.join('; ')})`);
    }
  }

  try {
    return await startFerretDB({ dataDir, port, log });
  } catch (err) {
    tried.push(`FerretDB: ${errorMessage(err)}`);
    throw new Error(
      'could not get a MongoDB-compatible server. Tried:\n' +
        ['MONGO_URI: not set', ...tried].map((t) => `  - ${t}`).join('\n') +
        '\nFixes: set MONGO_URI to a running server, or set MONGOMS_SYSTEM_BINARY to a mongod binary, ' +
        'or install Go >= 1.24 so tools/ferretdb can be built (the Go module proxy must be reachable ' +
        'for the first build). mongo-java-server (AO_MONGO_BACKEND=mongo-java-server, Java 17 + Maven) is ' +
        'used only when asked for: it keeps nothing and has no secondary indexes.',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// 2. mongodb-memory-server (only when a binary can be had cheaply)

async function tryMemoryServer({ dataDir, port: fixedPort, log }) {
  const mms = (await importOptional('mongodb-memory-server')) ?? (await importOptional('mongodb-memory-server-core'));
  if (!mms?.MongoMemoryServer) {
    log('mongodb-memory-server is not installed, skipping');
    return null;
  }
  const { MongoMemoryServer, DryMongoBinary, MongoBinary } = mms.default?.MongoMemoryServer ? mms.default : mms;

  // Finds MONGOMS_SYSTEM_BINARY or an already-downloaded binary; never downloads.
  let binary = await DryMongoBinary.locateBinary(DryMongoBinary.getEnsuredOptions());
  if (binary) {
    log(`mongodb-memory-server: found mongod at ${binary}`);
  } else {
    if (process.env.CI) {
      log('mongodb-memory-server: no cached mongod binary and CI is set, not downloading; skipping');
      return null;
    }
    if (/^(0|false|no|off)$/i.test(process.env.MONGOMS_RUNTIME_DOWNLOAD ?? '')) {
      log('mongodb-memory-server: no cached mongod binary and MONGOMS_RUNTIME_DOWNLOAD is off; skipping');
      return null;
    }
    const probeUrl = process.env.MONGOMS_DOWNLOAD_URL || process.env.MONGOMS_DOWNLOAD_MIRROR || 'https://fastdl.mongodb.org/';
    if (!(await reachable(probeUrl, MMS_PROBE_TIMEOUT_MS))) {
      log(`mongodb-memory-server: no cached mongod binary and ${new URL(probeUrl).host} is unreachable; skipping`);
      return null;
    }
    log(`mongodb-memory-server: downloading mongod (timeout ${MMS_DOWNLOAD_TIMEOUT_MS / 1000}s)...`);
    binary = await withTimeout(MongoBinary.getPath(), MMS_DOWNLOAD_TIMEOUT_MS, 'mongod download');
  }

  let tmp;
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  else tmp = tmpDir('ao-mongoms-');
  const started = Date.now();
  let server;
  try {
    server = await withTimeout(
      MongoMemoryServer.create({
        instance: { ip: '127.0.0.1', dbPath: dataDir ?? tmp, storageEngine: 'wiredTiger', ...(fixedPort ? { port: fixedPort } : {}) },
      }),
      MMS_START_TIMEOUT_MS,
      'mongodb-memory-server start',
    );
  } catch (err) {
    if (tmp) rmrf(tmp);
    throw err;
  }
  const uri = server.getUri();
  log(`mongodb-memory-server started at ${uri} in ${Date.now() - started} ms${dataDir ? ` (data: ${dataDir})` : ''}`);
  let stopped;
  return {
    uri,
    kind: /** @type {const} */ ('memory-server'),
    stop: () =>
      (stopped ??= (async () => {
        await server.stop({ doCleanup: false, force: false });
        if (tmp) rmrf(tmp);
      })()),
  };
}

async function reachable(url, timeoutMs) {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return true; // any HTTP answer means the host is reachable
  } catch {
    return false;
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// 3. FerretDB: build once (cached, locked), then run on a free port

/** Path of the cached FerretDB binary for the current sources (it may not exist yet). */
export function ferretdbBinaryPath() {
  const h = crypto.createHash('sha256');
  const files = fs.readdirSync(FERRETDB_SRC).filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go')).sort();
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(FERRETDB_SRC, f)));
  }
  h.update(`${GO_BUILD_ARGS.join(' ')}\0${process.platform}-${process.arch}`);
  const key = h.digest('hex').slice(0, 16);
  return path.join(cacheRoot(), 'ferretdb', `ferretdb-${key}${process.platform === 'win32' ? '.exe' : ''}`);
}

/** Builds tools/ferretdb into the cache (once; concurrent callers wait for each other). Returns the binary path. */
export async function buildFerretDB({ log = defaultLog('mongo') } = {}) {
  if (process.env.AO_FERRETDB_BIN) {
    log(`using prebuilt FerretDB from AO_FERRETDB_BIN=${process.env.AO_FERRETDB_BIN}`);
    return process.env.AO_FERRETDB_BIN;
  }
  const bin = ferretdbBinaryPath();
  if (fs.existsSync(bin)) {
    touch(bin); // keeps it from being pruned
    return bin;
  }

  fs.mkdirSync(path.dirname(bin), { recursive: true });
  return withLock(`${bin}.lock`, log, async () => {
    if (fs.existsSync(bin)) {
      log('FerretDB was built by another process meanwhile');
      return bin;
    }
    const go = which('go', ['/usr/local/go/bin', path.join(os.homedir(), 'go', 'bin'), '/usr/lib/go/bin']);
    if (!go) {
      throw new Error('the Go toolchain (`go`) was not found on PATH; it is needed to build tools/ferretdb');
    }
    const tmpOut = `${bin}.tmp-${process.pid}`;
    const started = Date.now();
    log(`building FerretDB with ${go} (first time only; 1-3 minutes with a cold Go build cache) -> ${bin}`);
    try {
      await run(go, [...GO_BUILD_ARGS, '-o', tmpOut, '.'], {
        cwd: FERRETDB_SRC,
        env: { ...process.env, CGO_ENABLED: '0' },
      });
      fs.renameSync(tmpOut, bin); // atomic: readers never see a half-written binary
    } finally {
      rmrf(tmpOut);
    }
    log(`built FerretDB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    pruneOldBinaries(bin, log);
    return bin;
  });
}

function touch(file) {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    /* read-only cache: fine */
  }
}

/** Removes binaries built from other sources that were not used for PRUNE_AFTER_MS (~20 MB each). */
function pruneOldBinaries(keep, log) {
  const dir = path.dirname(keep);
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (p === keep || !/^ferretdb-[0-9a-f]{16}(\.exe)?$/.test(name)) continue;
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > PRUNE_AFTER_MS) {
        fs.rmSync(p, { force: true });
        log(`pruned unused FerretDB binary ${p}`);
      }
    } catch {
      /* best effort */
    }
  }
}

function run(cmd, args, opts) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`\`${cmd} ${args.join(' ')}\` failed (${signal ?? `exit code ${code}`}):\n${out.trim().slice(-4000)}`));
    });
  });
}

/** mkdir-based lock (atomic on local filesystems). Stale locks (dead owner, or too old) are removed. */
async function withLock(lockDir, log, fn, what = 'FerretDB') {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner.json'), JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }));
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
    }
    const why = staleReason(lockDir);
    if (why) {
      log(`removing stale build lock ${lockDir} (${why})`);
      rmrf(lockDir);
      continue;
    }
    if (!announced) {
      log(`${what} is being built by another caller (lock ${lockDir}), waiting...`);
      announced = true;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for build lock ${lockDir}`);
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    rmrf(lockDir);
  }
}

function staleReason(lockDir) {
  let owner;
  try {
    owner = JSON.parse(fs.readFileSync(path.join(lockDir, 'owner.json'), 'utf8'));
  } catch {
    // Owner file not written yet (or the owner crashed right after mkdir).
    try {
      return Date.now() - fs.statSync(lockDir).mtimeMs > 30_000 ? 'no owner file' : null;
    } catch {
      return null; // lock vanished: just retry
    }
  }
  if (Date.now() - owner.at > LOCK_STALE_MS) return 'too old';
  if (owner.host === os.hostname() && !pidAlive(owner.pid)) return `owner pid ${owner.pid} is gone`;
  return null;
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

async function startFerretDB({ dataDir, port: fixedPort, log }) {
  const bin = await buildFerretDB({ log });
  // 'warn' would dump every failed command (duplicate keys, unsupported features), so default to 'error'.
  const logLevel = process.env.AO_FERRETDB_LOG_LEVEL || 'error';

  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const dir = dataDir ?? tmpDir('ao-ferretdb-');
    fs.mkdirSync(dir, { recursive: true });
    const started = Date.now();

    // stdin stays an open pipe: FerretDB exits when it closes, i.e. when this process dies,
    // even without cleanup (SIGKILL, crashed jest worker).
    const args = ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dir, '-log-level', logLevel, '-exit-on-stdin-eof'];
    if (!dataDir) args.push('-remove-data-dir-on-exit'); // temp dir goes away even if we are SIGKILLed
    // A process group of its own: a terminal's Ctrl-C must not stop the server under the apps still
    // shutting down (stdin EOF still ends it with this process).
    const child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    const tail = tailLines(child.stderr, 30, (line) => log(`ferretdb: ${line}`));
    /** @type {Error | undefined} */
    let spawnError;
    child.on('error', (err) => (spawnError = err));
    const unregister = onProcessExit(() => {
      child.kill('SIGTERM');
      if (!dataDir) rmrf(dir);
    });
    // Do not keep the event loop alive just for the server; stop() / the exit hook take care of it.
    child.unref();
    unrefStream(child.stdin);
    unrefStream(child.stderr);

    const cleanup = async () => {
      unregister();
      await stopChild(child);
      if (!dataDir) rmrf(dir);
    };

    try {
      await waitForPort(port, {
        timeoutMs: 30_000,
        check: () => {
          if (spawnError) throw spawnError;
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`FerretDB exited (${child.signalCode ?? `code ${child.exitCode}`}) before accepting connections:\n${tail()}`);
          }
        },
      });
      await mongoPing(port);
    } catch (err) {
      await cleanup();
      if (attempt < 3 && /address already in use/i.test(errorMessage(err))) {
        log(fixedPort ? `port ${port} is still in use, retrying` : `port ${port} was taken meanwhile, retrying with another port`);
        if (fixedPort) await sleep(1000);
        continue;
      }
      throw err;
    }

    const uri = `mongodb://127.0.0.1:${port}/`;
    log(`FerretDB started at ${uri} in ${Date.now() - started} ms (pid ${child.pid}, data: ${dataDir ?? `${dir}, temporary`})`);
    let stopped;
    return { uri, kind: /** @type {const} */ ('ferretdb'), stop: () => (stopped ??= cleanup()) };
  }
}

// ---------------------------------------------------------------------------------------------
// mongo-java-server (memory backend), only when asked for: Maven fetches the jars, javac compiles
// the launcher, both once into the cache; then `java` runs it on a free 127.0.0.1 port.

/** Directory of the cached mongo-java-server build for the current sources (it may not exist yet). */
export function mongoJavaServerDir() {
  const h = crypto.createHash('sha256');
  const files = fs.readdirSync(MJS_SRC).filter((f) => f === 'pom.xml' || f.endsWith('.java')).sort();
  for (const f of files) {
    h.update(`${f}\0`);
    h.update(fs.readFileSync(path.join(MJS_SRC, f)));
  }
  return path.join(cacheRoot(), 'mongo-java-server', `build-${h.digest('hex').slice(0, 16)}`);
}

/** Builds tools/mongo-java-server into the cache (once; concurrent callers wait). Returns the build dir. */
export async function buildMongoJavaServer({ log = defaultLog('mongo') } = {}) {
  const dir = mongoJavaServerDir();
  const ready = path.join(dir, 'ready');
  if (fs.existsSync(ready)) {
    touch(ready); // keeps it from being pruned
    return dir;
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return withLock(
    `${dir}.lock`,
    log,
    async () => {
      if (fs.existsSync(ready)) return dir;
      const mvn = which('mvn', ['/usr/bin', '/usr/local/bin', '/usr/share/maven/bin']);
      const javac = which('javac', ['/usr/bin', '/usr/local/bin']);
      if (!mvn || !javac) {
        throw new Error(
          `${!mvn ? 'Maven (`mvn`)' : 'javac'} was not found on PATH; mongo-java-server needs Java >= 11 and Maven ` +
            '(Debian: `apt-get install -y openjdk-17-jdk-headless maven`)',
        );
      }
      const tmp = `${dir}.tmp-${process.pid}`;
      rmrf(tmp);
      const started = Date.now();
      log(`building mongo-java-server (first time only; Maven fetches ~5 MB of jars) -> ${dir}`);
      try {
        await run(mvn, ['-q', '-B', '-f', path.join(MJS_SRC, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(tmp, 'lib')}`], {
          cwd: MJS_SRC,
        });
        const sources = fs.readdirSync(MJS_SRC).filter((f) => f.endsWith('.java')).map((f) => path.join(MJS_SRC, f));
        await run(javac, ['-nowarn', '-encoding', 'UTF-8', '-cp', path.join(tmp, 'lib', '*'), '-d', path.join(tmp, 'classes'), ...sources], { cwd: MJS_SRC });
        fs.writeFileSync(path.join(tmp, 'ready'), `${new Date().toISOString()}\n`);
        rmrf(dir); // a half-written dir of a crashed build
        fs.renameSync(tmp, dir);
      } finally {
        rmrf(tmp);
      }
      log(`built mongo-java-server in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      for (const name of fs.readdirSync(path.dirname(dir))) {
        const p = path.join(path.dirname(dir), name);
        if (p === dir || !/^build-[0-9a-f]{16}$/.test(name)) continue;
        try {
          if (Date.now() - fs.statSync(path.join(p, 'ready')).mtimeMs > PRUNE_AFTER_MS) {
            rmrf(p);
            log(`pruned unused mongo-java-server build ${p}`);
          }
        } catch {
          /* best effort */
        }
      }
      return dir;
    },
    'mongo-java-server',
  );
}

async function startMongoJavaServer({ dataDir, port: fixedPort, javaOpts, log }) {
  const dir = await buildMongoJavaServer({ log });
  const java = which('java', ['/usr/bin', '/usr/local/bin']);
  if (!java) throw new Error('`java` was not found on PATH; mongo-java-server needs Java >= 11');
  if (dataDir) log(`mongo-java-server keeps its data in memory only: ${dataDir} is not used, nothing survives a stop`);
  const opts = javaOpts ?? (process.env.AO_MONGO_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean);

  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    const started = Date.now();
    const args = [
      ...opts,
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      `${path.join(dir, 'classes')}${path.delimiter}${path.join(dir, 'lib', '*')}`,
      'MongoJavaServer',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
    ];
    // stdin stays an open pipe: the launcher exits when it closes, i.e. when this process dies.
    const child = spawn(java, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const tailOut = tailLines(child.stdout, 10);
    // It warns once per non-unique index that it ignores it (documented below and in the README): say it once.
    let toldIndexes = false;
    const tailErr = tailLines(child.stderr, 30, (line) => {
      if (!/adding secondary index .* is not yet implemented/.test(line)) log(`mongo-java-server: ${line}`);
      else if (!toldIndexes) {
        toldIndexes = true;
        log('mongo-java-server: non-unique indexes are accepted and ignored (it has no secondary indexes)');
      }
    });
    const tail = () => [tailOut(), tailErr()].filter(Boolean).join('\n');
    /** @type {Error | undefined} */
    let spawnError;
    child.on('error', (err) => (spawnError = err));
    const unregister = onProcessExit(() => child.kill('SIGKILL'));
    child.unref();
    unrefStream(child.stdin);
    unrefStream(child.stdout);
    unrefStream(child.stderr);
    const cleanup = async () => {
      unregister();
      await stopChild(child);
    };
    try {
      await waitForPort(port, {
        timeoutMs: 60_000,
        check: () => {
          if (spawnError) throw spawnError;
          if (child.exitCode !== null || child.signalCode !== null) {
            throw new Error(`mongo-java-server exited (${child.signalCode ?? `code ${child.exitCode}`}) before accepting connections:\n${tail()}`);
          }
        },
      });
      await mongoPing(port);
    } catch (err) {
      await cleanup();
      if (attempt < 3 && /address already in use|BindException/i.test(errorMessage(err))) {
        log(fixedPort ? `port ${port} is still in use, retrying` : `port ${port} was taken meanwhile, retrying with another port`);
        if (fixedPort) await sleep(1000);
        continue;
      }
      throw err;
    }
    const uri = `mongodb://127.0.0.1:${port}/`;
    log(`mongo-java-server (memory backend) started at ${uri} in ${Date.now() - started} ms (pid ${child.pid}${opts.length ? `, ${opts.join(' ')}` : ''})`);
    let stopped;
    return { uri, kind: /** @type {const} */ ('mongo-java-server'), pid: child.pid, stop: () => (stopped ??= cleanup()) };
  }
}

// ---------------------------------------------------------------------------------------------
// Minimal MongoDB wire-protocol ping (OP_MSG {ping: 1, $db: 'admin'}), no driver needed.

function bsonPingDoc() {
  const parts = [
    Buffer.from([0x10]), Buffer.from('ping\0'), int32(1),
    Buffer.from([0x02]), Buffer.from('$db\0'), int32(6), Buffer.from('admin\0'),
    Buffer.from([0x00]),
  ];
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length + 4), body]);
}

function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

/** Returns the `ok` value of a top-level BSON doc (double/int32/int64/bool), or undefined. */
function bsonOk(doc) {
  let i = 4;
  while (i < doc.length - 1) {
    const type = doc[i++];
    const end = doc.indexOf(0, i);
    const name = doc.toString('utf8', i, end);
    i = end + 1;
    const fixed = { 0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16 }[type];
    if (name === 'ok') {
      if (type === 0x01) return doc.readDoubleLE(i);
      if (type === 0x10) return doc.readInt32LE(i);
      if (type === 0x12) return Number(doc.readBigInt64LE(i));
      if (type === 0x08) return doc[i];
      return undefined;
    }
    if (fixed !== undefined) i += fixed;
    else if (type === 0x02) i += 4 + doc.readInt32LE(i);
    else if (type === 0x03 || type === 0x04) i += doc.readInt32LE(i);
    else if (type === 0x05) i += 5 + doc.readInt32LE(i);
    else return undefined; // unknown type: give up
  }
  return undefined;
}

/**
 * One OP_MSG ping; resolves when the server answers ok: 1.
 * @param {number} port
 * @returns {Promise<void>}
 */
function mongoPingOnce(port, host = '127.0.0.1', timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const doc = bsonPingDoc();
    const header = Buffer.alloc(16);
    const msgLen = 16 + 4 + 1 + doc.length;
    header.writeInt32LE(msgLen, 0);
    header.writeInt32LE(1, 4); // requestID
    header.writeInt32LE(0, 8); // responseTo
    header.writeInt32LE(2013, 12); // OP_MSG
    const msg = Buffer.concat([header, int32(0), Buffer.from([0]), doc]);

    const sock = net.connect({ port, host });
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      sock.destroy();
      reject(err);
    };
    sock.setTimeout(timeoutMs, () => fail(new Error('ping timed out')));
    sock.on('error', fail);
    sock.on('connect', () => sock.write(msg));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4 || buf.length < buf.readInt32LE(0)) return;
      sock.destroy();
      if (buf.readInt32LE(12) !== 2013 || buf[20] !== 0) return reject(new Error('unexpected ping reply'));
      const ok = bsonOk(buf.subarray(21, buf.readInt32LE(0)));
      if (ok === 1) resolve();
      else reject(new Error(`ping reply without ok: 1 (ok=${ok})`));
    });
  });
}

async function mongoPing(port, { timeoutMs = 15_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await mongoPingOnce(port);
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`server on port ${port} did not answer ping: ${errorMessage(err)}`);
      await sleep(100);
    }
  }
}

function redact(uri) {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

// ---------------------------------------------------------------------------------------------
// CLI

/** @param {string[]} argv */
async function main(argv) {
  const { command, dataDir, port } = parseCli(argv);
  if (command === 'build') {
    const bin = process.env.AO_MONGO_BACKEND === 'mongo-java-server' ? await buildMongoJavaServer() : await buildFerretDB();
    process.stdout.write(`${bin}\n`);
    return;
  }
  if (command === 'start') {
    const { uri, stop } = await startMongo({ dataDir, port });
    process.stdout.write(`MONGO_URI=${uri}\n`);
    const sig = await waitForSignal();
    defaultLog('mongo')(`${sig} received, stopping`);
    await stop();
    return;
  }
  process.stderr.write('usage: node tools/services/mongo.mjs build | start [--data-dir DIR] [--port PORT]\n');
  process.exitCode = 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`[mongo] ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
