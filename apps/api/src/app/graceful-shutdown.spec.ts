import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { recordingLogger } from '../testing/fakes';
import { installGracefulShutdown } from './graceful-shutdown';

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function get(server: Server): Promise<string> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('installGracefulShutdown', () => {
  it('lets the in-flight request finish, then closes resources in order and exits 0', async () => {
    let release!: () => void;
    let arrived!: () => void;
    const reachedHandler = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listen((_req, res) => {
      release = () => res.end('done');
      arrived();
    });
    const order: string[] = [];
    const exit = jest.fn();
    const { logger } = recordingLogger();
    const shutdown = installGracefulShutdown({
      server,
      logger,
      signals: [],
      exit,
      resources: [
        { name: 'queue', close: async () => void order.push('queue') },
        { name: 'mongodb', close: async () => void order.push('mongodb') },
      ],
    });

    const inFlight = get(server);
    // The request must be in the handler before the signal (a fixed delay is not enough on a loaded machine).
    await reachedHandler;
    const done = shutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual([]); // still waiting for the request
    expect(server.listening).toBe(false); // but no longer accepting
    release();
    await expect(inFlight).resolves.toBe('done');
    await done;
    expect(order).toEqual(['queue', 'mongodb']);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('exits 1 when a resource fails to close, after closing the others', async () => {
    const server = await listen((_req, res) => res.end());
    const exit = jest.fn();
    const closed: string[] = [];
    const { logger, records } = recordingLogger();
    const shutdown = installGracefulShutdown({
      server,
      logger,
      signals: [],
      exit,
      resources: [
        { name: 'queue', close: async () => Promise.reject(new Error('redis gone')) },
        { name: 'mongodb', close: async () => void closed.push('mongodb') },
      ],
    });
    await shutdown('SIGINT');
    expect(closed).toEqual(['mongodb']);
    expect(exit).toHaveBeenCalledWith(1);
    expect(records).toContainEqual(expect.objectContaining({ level: 'error', message: 'closing queue failed' }));
  });

  it('forces exit 1 when the grace period runs out, and on a second signal', async () => {
    const server = await listen(() => undefined); // never answers
    const exit = jest.fn();
    const { logger } = recordingLogger();
    const shutdown = installGracefulShutdown({ server, logger, signals: [], exit, graceMs: 50, resources: [] });
    const hanging = get(server).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 30));
    void shutdown('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    expect(exit).toHaveBeenCalledWith(1);
    exit.mockClear();
    await shutdown('SIGTERM');
    expect(exit).toHaveBeenCalledWith(1);
    server.closeAllConnections();
    await hanging;
  });

  it('on a real SIGTERM: refuses new connections, lets the in-flight request finish, then exits 0', async () => {
    let release!: () => void;
    let onArrival!: () => void;
    const arrived = new Promise<void>((resolve) => (onArrival = resolve));
    const server = await listen((_req, res) => {
      release = () => res.end('finished');
      onArrival();
    });
    const before = process.listeners('SIGTERM');
    const exited = new Promise<number>((resolve) => {
      installGracefulShutdown({ server, logger: recordingLogger().logger, signals: ['SIGTERM'], exit: resolve, resources: [] });
    });
    try {
      const inFlight = get(server);
      await arrived;
      const { port } = server.address() as AddressInfo;
      process.emit('SIGTERM');

      const refused = await new Promise<string>((resolve) => {
        request({ port, host: '127.0.0.1', path: '/' }, () => resolve('answered'))
          .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
          .end();
      });
      expect(refused).toBe('ECONNREFUSED');
      let exitedYet = false;
      void exited.then(() => (exitedYet = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(exitedYet).toBe(false);

      release();
      await expect(inFlight).resolves.toBe('finished');
      await expect(exited).resolves.toBe(0);
    } finally {
      for (const listener of process.listeners('SIGTERM')) if (!before.includes(listener)) process.removeListener('SIGTERM', listener);
    }
  });
});
