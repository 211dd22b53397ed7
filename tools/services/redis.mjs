#!/usr/bin/env node
// Get a real Redis for tests, CI and the dev "run" command.
//
//   import { startRedis } from '../../tools/services/redis.mjs';
//   const { url, kind, stop } = await startRedis({ dataDir, log });
//
// Resolution order: $REDIS_URL (kind 'external'), else `redis-server` from PATH on a free port
// bound to 127.0.0.1 (kind 'redis-server'). No npm dependencies.
//
// CLI:
//   node tools/services/redis.mjs start [--data-dir DIR]   # print REDIS_URL=..., run until SIGINT/SIGTERM
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { errorMessage, freePort, sleep, unrefStream, waitForPort } from './net.mjs';
import { defaultLog, onProcessExit, parseCli, stopChild, tailLines, waitForSignal, which } from './proc.mjs';

const noop = async () => {
  // stop() of a server this process did not start: nothing to stop
};

/**
 * Starts (or locates) a Redis server.
 * @param {{ dataDir?: string, port?: number, log?: (msg: string) => void }} [opts]
 *   dataDir: persistent directory (AOF + RDB, kept on stop); default: no persistence at all.
 *   port: listen on this port (a restart on the same data dir and port keeps the URL); default a free one.
 * @returns {Promise<{ url: string, kind: 'external' | 'redis-server', stop: () => Promise<void> }>}
 */
export async function startRedis({ dataDir, port: fixedPort, log = defaultLog('redis') } = {}) {
  if (process.env.REDIS_URL) {
    log(`using REDIS_URL from the environment (${process.env.REDIS_URL.replace(/\/\/[^@/]*@/, '//***@')})`);
    return { url: process.env.REDIS_URL, kind: 'external', stop: noop };
  }

  const bin = process.env.REDIS_SERVER_BIN || which('redis-server', ['/usr/bin', '/usr/sbin', '/usr/local/bin']);
  if (!bin) {
    throw new Error(
      'redis-server was not found on PATH and REDIS_URL is not set. ' +
        'Install it (Debian/Ubuntu: `apt-get install -y redis-server`, macOS: `brew install redis`) ' +
        'or point REDIS_URL at a running Redis.',
    );
  }

  // On Linux, `setpriv --pdeathsig TERM` makes the kernel stop redis-server if this process dies
  // without cleanup (SIGKILL, crashed jest worker).
  const setpriv = process.platform === 'linux' ? which('setpriv', ['/usr/bin', '/bin']) : null;

  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort());
    // Without dataDir nothing is persisted (no save points, no AOF), so no directory of our own is
    // needed; the OS temp dir and a unique dump file name only matter if someone runs SAVE by hand.
    const dir = dataDir ?? os.tmpdir();
    fs.mkdirSync(dir, { recursive: true });
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--daemonize', 'no',
      '--supervised', 'no',
      '--logfile', '', // log to stdout (we capture it)
      '--loglevel', 'warning',
      '--dir', dir,
      ...(dataDir ? ['--appendonly', 'yes'] : ['--save', '', '--appendonly', 'no', '--dbfilename', `ao-redis-${port}.rdb`]),
    ];
    const [cmd, cmdArgs] = setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', bin, ...args]] : [bin, args];
    const started = Date.now();
    // A process group of its own: a terminal's Ctrl-C (SIGINT to the foreground group) must not stop
    // the server under the apps still shutting down; whoever started it stops it after them.
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const tailOut = tailLines(child.stdout, 30);
    const tailErr = tailLines(child.stderr, 30);
    const tail = () => [tailOut(), tailErr()].filter(Boolean).join('\n');
    /** @type {Error | undefined} */
    let spawnError;
    child.on('error', (err) => (spawnError = err));
    const unregister = onProcessExit(() => child.kill('SIGTERM'));
    child.unref();
    unrefStream(child.stdout);
    unrefStream(child.stderr);

    const cleanup = async () => {
      unregister();
      await stopChild(child);
    };

    const check = () => {
      if (spawnError) throw spawnError;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`redis-server exited (${child.signalCode ?? `code ${child.exitCode}`}) before accepting connections:\n${tail()}`);
      }
    };
    try {
      await waitForPort(port, { timeoutMs: 20_000, check });
      await redisPing(port, { check });
    } catch (err) {
      await cleanup();
      if (attempt < 3 && /address already in use/i.test(errorMessage(err))) {
        log(fixedPort ? `port ${port} is still in use, retrying` : `port ${port} was taken meanwhile, retrying with another port`);
        if (fixedPort) await sleep(1000);
        continue;
      }
      throw err;
    }

    const url = `redis://127.0.0.1:${port}`;
    log(`redis-server started at ${url} in ${Date.now() - started} ms (pid ${child.pid}, ${dataDir ? `data: ${dataDir}, AOF on` : 'no persistence'})`);
    let stopped;
    return { url, kind: 'redis-server', stop: () => (stopped ??= cleanup()) };
  }
}

/**
 * Sends a RESP PING; resolves on +PONG. Retries while the server is starting/loading.
 * @param {number} port
 * @param {{ timeoutMs?: number, check?: () => void }} [opts]
 */
async function redisPing(port, { timeoutMs = 20_000, check } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check?.();
    /** @type {string} */
    const reply = await new Promise((resolve) => {
      const sock = net.connect({ port, host: '127.0.0.1' });
      let buf = '';
      const done = (/** @type {string} */ r) => {
        sock.destroy();
        resolve(r);
      };
      sock.setTimeout(2000, () => done('timeout'));
      sock.on('error', (e) => done(`error: ${e.message}`));
      sock.on('connect', () => sock.write('*1\r\n$4\r\nPING\r\n'));
      sock.on('data', (d) => {
        buf += d;
        if (buf.includes('\r\n')) done(buf.trim());
      });
    });
    if (reply === '+PONG') return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING (last reply: ${reply})`);
    await sleep(100); // e.g. "-LOADING Redis is loading the dataset in memory"
  }
}

// ---------------------------------------------------------------------------------------------
// CLI

/** @param {string[]} argv */
async function main(argv) {
  const { command, dataDir, port } = parseCli(argv);
  if (command === 'start') {
    const { url, stop } = await startRedis({ dataDir, port });
    process.stdout.write(`REDIS_URL=${url}\n`);
    const sig = await waitForSignal();
    defaultLog('redis')(`${sig} received, stopping`);
    await stop();
    return;
  }
  process.stderr.write('usage: node tools/services/redis.mjs start [--data-dir DIR] [--port PORT]\n');
  process.exitCode = 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`[redis] ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
