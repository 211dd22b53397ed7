// Process / filesystem helpers shared by mongo.mjs and redis.mjs (no npm dependencies).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Default logger: one line on stderr, prefixed with e.g. "[mongo]".
 * @param {string} prefix
 * @returns {(msg: string) => void}
 */
export function defaultLog(prefix) {
  return (msg) => process.stderr.write(`[${prefix}] ${msg}\n`);
}

/** Root of our on-disk cache: $AO_CACHE_DIR, $XDG_CACHE_HOME/agent-orchestrator or ~/.cache/agent-orchestrator. */
export function cacheRoot() {
  if (process.env.AO_CACHE_DIR) return path.resolve(process.env.AO_CACHE_DIR);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'agent-orchestrator');
}

/**
 * Finds an executable on PATH (plus a few extra dirs). Returns its absolute path or null.
 * @param {string} cmd
 * @param {string[]} [extraDirs]
 * @returns {string | null}
 */
export function which(cmd, extraDirs = []) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * Imports an optional package. Tries normal resolution from this file first (repo node_modules),
 * then from the current working directory. Returns null if it is not installed.
 */
export async function importOptional(/** @type {string} */ name) {
  try {
    return await import(name);
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
  }
  try {
    const req = createRequire(path.join(process.cwd(), 'noop.js'));
    return await import(pathToFileURL(req.resolve(name)).href);
  } catch {
    return null;
  }
}

/** Fresh temporary directory, e.g. tmpDir('ao-ferretdb-'). @param {string} prefix */
export function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a file or directory tree, ignoring errors. @param {string} dir */
export function rmrf(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort */
  }
}

/**
 * Sends SIGTERM, waits up to graceMs for the child to exit, then SIGKILL. Resolves once it has exited.
 * @param {import('node:child_process').ChildProcess} child
 */
export async function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  // Servers are started unref()'d; without this the event loop could drain after the SIGKILL below,
  // before the exit event arrives, and Node would end the caller's pending await (exit code 13).
  const keepAlive = setInterval(() => {
    // only keeps the event loop alive until the exit event
  }, 1000);
  child.kill('SIGTERM');
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timedOut = new Promise((r) => {
    timer = setTimeout(() => r('timeout'), graceMs);
  });
  try {
    if ((await Promise.race([exited, timedOut])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  } finally {
    clearTimeout(timer);
    clearInterval(keepAlive);
  }
}

// Last-resort cleanup if the parent exits without calling stop(): kill children, remove temp dirs.
/** @type {Set<() => void>} */
const exitHooks = new Set();
let exitHookInstalled = false;

/**
 * Registers a synchronous cleanup function run on process exit; returns an unregister function.
 * @param {() => void} fn
 */
export function onProcessExit(fn) {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const f of exitHooks) {
        try {
          f();
        } catch {
          /* ignore */
        }
      }
    });
  }
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}

/**
 * Keeps the last `max` lines written to a stream, to put them in error messages.
 * @param {import('node:stream').Readable | null} stream
 * @param {(line: string) => void} [onLine]
 * @returns {() => string}
 */
export function tailLines(stream, max = 30, onLine) {
  /** @type {string[]} */
  const lines = [];
  let buf = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (/** @type {string} */ chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trimEnd();
      buf = buf.slice(i + 1);
      if (!line) continue;
      lines.push(line);
      if (lines.length > max) lines.shift();
      onLine?.(line);
    }
  });
  return () => [...lines, ...(buf.trim() ? [buf.trim()] : [])].join('\n');
}

/**
 * Minimal CLI parsing: returns { command, dataDir, port }.
 * @param {string[]} argv
 */
export function parseCli(argv) {
  const [command, ...rest] = argv;
  let dataDir;
  let port;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--data-dir') dataDir = rest[++i];
    else if (a.startsWith('--data-dir=')) dataDir = a.slice('--data-dir='.length);
    else if (a === '--port') port = rest[++i];
    else if (a.startsWith('--port=')) port = a.slice('--port='.length);
    else throw new Error(`unknown argument: ${a}`);
  }
  if (rest.includes('--data-dir') && !dataDir) throw new Error('--data-dir needs a value');
  if (port !== undefined && !/^[1-9][0-9]{0,4}$/.test(port)) throw new Error(`--port needs a port number, got "${port ?? ''}"`);
  return { command, dataDir: dataDir ? path.resolve(dataDir) : undefined, port: port === undefined ? undefined : Number(port) };
}

/** Resolves when SIGINT or SIGTERM is received (keeps the event loop alive until then). */
export function waitForSignal() {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {
      // only keeps the event loop alive until the signal
    }, 1 << 30);
    const handler = (/** @type {NodeJS.Signals} */ sig) => {
      clearInterval(keepAlive);
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(sig);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
