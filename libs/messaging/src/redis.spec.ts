import { createServer, type Server } from 'node:net';
import { queueRedisOptions } from './queue';
import { REDIS_DISCONNECT_TIMEOUT_MS, createRedisClient } from './redis';
import { closedPort } from './testing';

describe('createRedisClient', () => {
  it('refuses commands at once while disconnected instead of queueing them, and reports connection errors', async () => {
    const errors: Error[] = [];
    const client = createRedisClient(`redis://127.0.0.1:${await closedPort()}`, { onError: (err) => errors.push(err) });
    try {
      const started = Date.now();
      await expect(client.get('x')).rejects.toThrow(/enableOfflineQueue|Stream isn't writeable/);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(client.options).toMatchObject({ enableOfflineQueue: false, commandTimeout: 500, maxRetriesPerRequest: 0 });
      await new Promise((r) => setTimeout(r, 100));
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('gives up on a command that Redis never answers after commandTimeoutMs', async () => {
    // Accepts connections and never replies: a Redis that hangs.
    const sockets: import('node:net').Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const client = createRedisClient(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 100, readyCheck: false });
    try {
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
      await expect(client.get('x')).rejects.toThrow(/Command timed out/);
    } finally {
      client.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('lets a client whose connection failed be disconnected without a timer holding the process for seconds', async () => {
    // ioredis arms `disconnectTimeout` on disconnect even when the socket is already gone; at its default
    // (2 s) that kept Jest alive past its "did not exit one second after the test run" check.
    const client = createRedisClient(`redis://127.0.0.1:${await closedPort()}`);
    expect(client.options.disconnectTimeout).toBe(REDIS_DISCONNECT_TIMEOUT_MS);
    expect(queueRedisOptions('redis://127.0.0.1:6379')).toMatchObject({ disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS });
    // Refused, and waiting to reconnect: the socket is gone.
    await new Promise<void>((resolve) => client.once('reconnecting', () => resolve()));
    const armed = jest.spyOn(global, 'setTimeout');
    try {
      client.disconnect();
      // ioredis still arms its timer for the socket; what matters is how long it holds the process.
      const delays = armed.mock.calls.map(([, ms]) => Number(ms ?? 0));
      expect(delays.length).toBeGreaterThan(0);
      expect(Math.max(...delays)).toBeLessThanOrEqual(REDIS_DISCONNECT_TIMEOUT_MS);
      expect(REDIS_DISCONNECT_TIMEOUT_MS).toBeLessThan(1000);
    } finally {
      armed.mockRestore();
    }
  });
});
