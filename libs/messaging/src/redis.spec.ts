import { createServer, type Server } from 'node:net';
import { createRedisClient } from './redis';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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
});
