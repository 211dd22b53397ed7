/**
 * The provider's limits, kept by the process: at most `maxConcurrent` LLM requests in flight
 * and at most `perMinute` started in any 60 s window, for every task of the worker alike. A
 * call over a limit waits its turn (first come, first served) instead of failing; a caller
 * whose signal aborts (the task's deadline, a cancel, the worker's shutdown) leaves the queue.
 * `callWithRetry` takes a slot for each attempt, outside the attempt's own deadline, so a retry
 * counts as a request and a backoff holds no slot.
 */

export interface CallLimits {
  /** Requests in flight at once; 0 = no limit. */
  maxConcurrent: number;
  /** Requests started in any 60 s window; 0 = no limit. */
  perMinute: number;
}

/** Gives back the slot a call took. Calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  resolve: (release: Release) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const WINDOW_MS = 60_000;

export class CallLimiter {
  private active = 0;
  private readonly queue: Waiter[] = [];
  /** Start times of the last `perMinute` requests, as a ring: `starts[next]` is the oldest. */
  private readonly starts: number[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limits: CallLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limits.maxConcurrent >= 0) || !(limits.perMinute >= 0)) throw new RangeError('call limits must be 0 (none) or positive');
    this.starts = new Array<number>(limits.perMinute).fill(Number.NEGATIVE_INFINITY);
  }

  /** True when neither limit is set: `acquire` never waits. */
  get unlimited(): boolean {
    return this.limits.maxConcurrent === 0 && this.limits.perMinute === 0;
  }

  /** Requests in flight now, and callers waiting for a slot. */
  get stats(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.queue.length };
  }

  /**
   * Waits for a slot under both limits, then returns its release. Rejects with the signal's reason
   * when `signal` aborts first (or already has).
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length === 0 && this.canStart()) return Promise.resolve(this.start());
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) this.queue.splice(i, 1);
          reject(signal?.reason);
          // The one that left may have been first in line: the next one may be able to start.
          this.drain();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.drain();
    });
  }

  private canStart(): boolean {
    const { maxConcurrent, perMinute } = this.limits;
    if (maxConcurrent > 0 && this.active >= maxConcurrent) return false;
    return perMinute === 0 || this.now() - (this.starts[this.next] as number) >= WINDOW_MS;
  }

  private start(): Release {
    this.active++;
    if (this.limits.perMinute > 0) {
      this.starts[this.next] = this.now();
      this.next = (this.next + 1) % this.limits.perMinute;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.drain();
    };
  }

  /** Starts waiters while both limits allow; when only the per-minute window holds them, wakes up when it moves. */
  private drain(): void {
    while (this.queue.length > 0 && this.canStart()) {
      const waiter = this.queue.shift() as Waiter;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.start());
    }
    if (this.queue.length === 0 || this.timer) return;
    const { maxConcurrent, perMinute } = this.limits;
    if (perMinute === 0 || (maxConcurrent > 0 && this.active >= maxConcurrent)) return; // a release will drain
    const wait = Math.max(1, (this.starts[this.next] as number) + WINDOW_MS - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, wait);
  }
}
