// Small networking helpers shared by mongo.mjs and redis.mjs (no npm dependencies).
import net from 'node:net';

/** Returns a TCP port that was free a moment ago (the OS picks it: listen on port 0, then close). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Message of a thrown value, which need not be an Error. @param {unknown} err */
export const errorMessage = (err) => (err instanceof Error ? err.message : String(err));

/**
 * Lets the event loop exit while a child's stdio pipe is open (the pipes are net.Sockets,
 * typed as plain streams). @param {import('node:stream').Stream | null} stream
 */
export const unrefStream = (stream) => /** @type {Partial<net.Socket> | null} */ (stream)?.unref?.();

/**
 * Resolves true if a TCP connection to host:port succeeds within timeoutMs, false otherwise.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function canConnect(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (/** @type {boolean} */ ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** @param {number} ms */
export const sleep = (ms) => /** @type {Promise<void>} */ (new Promise((r) => setTimeout(r, ms)));

/**
 * Polls until host:port accepts a TCP connection.
 * `check()` (optional) is called between attempts; it should throw to abort early
 * (e.g. because the server process already exited).
 * @param {number} port
 * @param {{ host?: string, timeoutMs?: number, intervalMs?: number, check?: () => void }} [opts]
 */
export async function waitForPort(port, { host = '127.0.0.1', timeoutMs = 30_000, intervalMs = 100, check } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check?.();
    if (await canConnect(port, host, 1000)) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${host}:${port} to accept connections`);
    }
    await sleep(intervalMs);
  }
}
