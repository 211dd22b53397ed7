/**
 * Runs a piece of housekeeping (metrics snapshot, retention purge) every
 * `intervalMs`, never two runs at once, never keeping the process alive.
 * A failing run is logged and the next one happens on time.
 */
import type { Logger } from '../ports/logger.port';

export interface PeriodicTaskOptions {
  name: string;
  intervalMs: number;
  run: () => Promise<void>;
  logger: Pick<Logger, 'warn'>;
  /** Run once right away as well. Default false. */
  runAtStart?: boolean;
}

export class PeriodicTask {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: PeriodicTaskOptions) {
    this.timer = setInterval(() => void this.tick(), options.intervalMs);
    this.timer.unref();
    if (options.runAtStart) void this.tick();
  }

  /** One run now (skipped when one is in progress); never rejects. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) return this.running;
    const run = this.options
      .run()
      .catch((err: unknown) => {
        this.options.logger.warn(`${this.options.name} failed; trying again at the next interval`, {
          error_message: err instanceof Error ? err.message : String(err),
        });
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = run;
    return run;
  }

  /** No more runs; waits for the current one. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
