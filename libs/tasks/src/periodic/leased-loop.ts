/**
 * Runs a pass every `intervalMs` in the one process holding a lease (the
 * reconciler: every worker runs the loop, the lease picks who acts). The lease
 * is extended before each pass; a holder that dies stops extending it and
 * another worker takes over when it expires. A pass that fails is logged and
 * retried next time.
 */
import type { Logger } from '../ports/logger.port';
import type { Lease } from '../ports/lease.port';

export interface LeasedLoop {
  /** Stops the loop, waits for a pass in progress and gives the lease back. */
  stop(): Promise<void>;
}

export interface LeasedLoopOptions {
  lease: Lease;
  intervalMs: number;
  run: () => Promise<unknown>;
  logger: Pick<Logger, 'warn'>;
  /** The warn line of a failed pass. */
  failureMessage: string;
}

export function startLeasedLoop(options: LeasedLoopOptions): LeasedLoop {
  const { lease, intervalMs, logger } = options;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      if (await lease.hold()) await options.run();
    } catch (err) {
      logger.warn(options.failureMessage, { error_message: (err as Error).message });
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
      await lease.release();
    },
  };
}
