/** `waitForCompletion`: the stream when the API has one, polling with backoff otherwise; a timeout and an AbortSignal. */
import { AbortError, ApiError, TimeoutError } from './errors';
import { sleep } from './retry';
import { isTerminalEvent, type TaskStreamEvent } from './stream-types';
import { isTerminal, type Task } from './types';

export interface WaitOptions {
  /** Give up after this long (TimeoutError). Default 10 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** `auto` (default): the stream, and polling when it is not available; `never`: polling only. */
  stream?: 'auto' | 'never';
  /** First polling interval; grows by half each poll up to `maxPollIntervalMs`. Default 500 ms. */
  pollIntervalMs?: number;
  /** Default 5000 ms. */
  maxPollIntervalMs?: number;
  /** Each event as it arrives, when the stream is used. */
  onEvent?: (event: TaskStreamEvent) => void;
}

export interface WaitDeps {
  get(taskId: string, options: { signal: AbortSignal }): Promise<Task>;
  stream(taskId: string, options: { signal: AbortSignal }): AsyncIterable<TaskStreamEvent>;
}

/** One signal that fires when any of `signals` does. */
function anySignal(signals: (AbortSignal | undefined)[]): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  const abort = () => controller.abort();
  for (const s of present) {
    if (s.aborted) controller.abort();
    else s.addEventListener('abort', abort, { once: true });
  }
  return { signal: controller.signal, dispose: () => present.forEach((s) => s.removeEventListener('abort', abort)) };
}

/** The task once it is completed, failed or cancelled. @throws TimeoutError, AbortError, ApiError (e.g. NOT_FOUND) */
export async function waitForCompletion(deps: WaitDeps, taskId: string, options: WaitOptions = {}): Promise<Task> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const { signal, dispose } = anySignal([options.signal, timeout.signal]);
  try {
    if (options.stream !== 'never') {
      const task = await viaStream(deps, taskId, signal, options.onEvent);
      if (task) return task;
    }
    return await viaPolling(deps, taskId, signal, options);
  } catch (err) {
    if (timeout.signal.aborted && !options.signal?.aborted) throw new TimeoutError(`Task ${taskId} did not finish within ${timeoutMs} ms.`);
    throw err;
  } finally {
    clearTimeout(timer);
    dispose();
  }
}

/**
 * The finished task from the stream; undefined when the stream is not available or ended without
 * one (the caller polls). A terminal event carries the task as it is when sent: a `task.failed`
 * replayed for a task retried since carries the task queued again, so reading goes on.
 */
async function viaStream(deps: WaitDeps, taskId: string, signal: AbortSignal, onEvent?: (e: TaskStreamEvent) => void): Promise<Task | undefined> {
  try {
    for await (const event of deps.stream(taskId, { signal })) {
      onEvent?.(event);
      if (isTerminalEvent(event) && isTerminal(event.task.status)) return event.task;
    }
    return undefined;
  } catch (err) {
    if (err instanceof AbortError || signal.aborted) throw err instanceof AbortError ? err : new AbortError('Aborted.');
    // 401 / 403 would fail polling the same way: say so now.
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) throw err;
    // 404 or 405 from an API without the stream (or no such task: the first poll says which), a
    // stream that kept breaking, a proxy that buffers it: poll instead.
    return undefined;
  }
}

async function viaPolling(deps: WaitDeps, taskId: string, signal: AbortSignal, options: WaitOptions): Promise<Task> {
  let interval = options.pollIntervalMs ?? 500;
  const max = options.maxPollIntervalMs ?? 5000;
  for (;;) {
    const task = await deps.get(taskId, { signal });
    if (isTerminal(task.status)) return task;
    await sleep(interval, signal);
    interval = Math.min(max, Math.ceil(interval * 1.5));
  }
}
