import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '@agent-orchestrator/observability';

export interface GracefulShutdownOptions {
  server: Server;
  logger: Logger;
  /** Closed in order once the server has stopped (queue, then database). */
  resources: { name: string; close: () => Promise<unknown> }[];
  /** After this long the process exits anyway, with code 1. Default 10 s. */
  graceMs?: number;
  signals?: NodeJS.Signals[];
  exit?: (code: number) => void;
  /** Called first: ends the long-lived responses (open task streams), whose clients reconnect elsewhere. */
  endLongRequests?: () => Promise<void>;
}

/**
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests
 * finish, close the resources, exit 0. A second signal, or the grace period
 * running out, exits 1 at once. Returns the shutdown function (for tests).
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): (signal: string) => Promise<void> {
  const { server, logger, resources, graceMs = 10_000, signals = ['SIGTERM', 'SIGINT'], exit = (code) => process.exit(code), endLongRequests } = options;
  let shuttingDown = false;

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) {
      logger.warn(`${signal} received again, exiting now`);
      exit(1);
      return;
    }
    shuttingDown = true;
    logger.info(`${signal} received, shutting down`, { grace_ms: graceMs });
    const timer = setTimeout(() => {
      logger.error('shutdown grace period elapsed, exiting with requests still open');
      exit(1);
    }, graceMs);
    timer.unref();

    // close() stops accepting and calls back once every connection is gone.
    // Keep-alive connections would linger until their timeout, so requests
    // still arriving on them are told to close, and idle ones are swept.
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('Connection', 'close'));
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    await endLongRequests?.().catch((err: unknown) => logger.warn('ending open streams failed', { err }));
    await new Promise<void>((resolve) => {
      server.close((err) => {
        if (err) logger.warn('server close', { err });
        resolve();
      });
      server.closeIdleConnections();
    });
    clearInterval(sweep);
    let code = 0;
    for (const resource of resources) {
      try {
        await resource.close();
      } catch (err) {
        code = 1;
        logger.error(`closing ${resource.name} failed`, { err });
      }
    }
    clearTimeout(timer);
    logger.info('shutdown complete');
    exit(code);
  };

  for (const signal of signals) process.on(signal, () => void shutdown(signal));
  return shutdown;
}
