/**
 * Keeps the running counters (`TaskCounterRepository`, collection `task_counters`) in step with
 * the moves TaskLifecycle makes and the runs the worker records, so GET /v1/system/metrics reads
 * one document instead of aggregating the day's tasks.
 *
 * Counted only for a move that happened (the conditional update matched): a lost race counts
 * nothing. The promises never reject, so counting never fails a move: a failed or lost write (the
 * process died between the move and the increment) leaves the day's counters drifted, logged
 * here, and `rebuildDay` recomputes a day from the tasks and runs (the repair path).
 */
import { tenantOf, utcDayKey, type AgentRun, type Task, type TaskMove, type TaskStatus } from '@agent-orchestrator/domain';
import type { CounterIncrement, TaskCounterRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';

/** The routing a task had before a `route` move (the task the caller held). */
export type RoutingBefore = Pick<Task, 'selected_agent' | 'agent_type'>;

/**
 * Whether a `pick_up` came from `queued` (a first pick-up since the task was queued) rather than
 * `processing` (a redelivery after a crash): `attempts` is bumped by each pick-up and kept by a
 * retry, which records the attempts so far, so the first pick-up after (re)queueing is that + 1.
 */
export function pickedUpFromQueued(task: Pick<Task, 'attempts' | 'retries'>): boolean {
  return task.attempts === (task.retries.at(-1)?.attempts ?? 0) + 1;
}

/** The status a `fail` or `cancel` left: a task that never started since it was queued has no `started_at`. */
function leftStatus(task: Pick<Task, 'started_at'>): TaskStatus {
  return task.started_at === null ? 'queued' : 'processing';
}

const latencyMs = (from: Date, to: Date): number => Math.max(0, to.getTime() - from.getTime());

/**
 * The counter increments of a move that happened, from the task after the move (and, for `route`,
 * the routing before it). Status and agent counts go to the task's creation day ("tasks created
 * today, by their current status"); latency to the day it finished.
 */
export function moveIncrements(move: TaskMove, task: Task, before?: RoutingBefore | null): CounterIncrement[] {
  // Every increment also goes to the task's tenant's day (GET /v1/usage).
  return tasksIncrements(move, task, before).map((x) => ({ ...x, tenant: tenantOf(task) }));
}

function tasksIncrements(move: TaskMove, task: Task, before?: RoutingBefore | null): CounterIncrement[] {
  const created = { day: utcDayKey(task.created_at), at: task.updated_at };
  const finished = (status: TaskStatus, from: TaskStatus): CounterIncrement[] => {
    const moved: CounterIncrement = { ...created, status: { [from]: -1, [status]: 1 } };
    if (status === 'cancelled' || task.completed_at === null) return [moved];
    return [moved, { day: utcDayKey(task.completed_at), at: task.completed_at, latency: { ms: latencyMs(task.queued_at, task.completed_at), count: 1 } }];
  };
  switch (move) {
    case 'accept':
      return [{ ...created, status: { queued: 1 } }];
    case 'pick_up':
      return pickedUpFromQueued(task) ? [{ ...created, status: { queued: -1, processing: 1 } }] : [];
    case 'route': {
      const was = before ?? { selected_agent: null, agent_type: null };
      if (was.selected_agent === task.selected_agent && was.agent_type === task.agent_type) return [];
      const agents = [
        ...(was.selected_agent === null ? [] : [{ agent_name: was.selected_agent, agent_type: was.agent_type, count: -1 }]),
        ...(task.selected_agent === null ? [] : [{ agent_name: task.selected_agent, agent_type: task.agent_type, count: 1 }]),
      ];
      return agents.length > 0 ? [{ ...created, agents }] : [];
    }
    case 'complete':
      return finished('completed', 'processing');
    case 'fail':
      return finished('failed', leftStatus(task));
    case 'cancel':
      return finished('cancelled', leftStatus(task));
    case 'retry': {
      const increments: CounterIncrement[] = [{ ...created, status: { failed: -1, queued: 1 } }];
      // The failure's latency leaves the day it failed (the task is no longer finished), as `finished_day` is cleared.
      const last = task.retries.at(-1);
      if (last?.failed_at) {
        const queuedBefore = task.retries.at(-2)?.retried_at ?? task.created_at;
        increments.push({ day: utcDayKey(last.failed_at), at: task.updated_at, latency: { ms: latencyMs(queuedBefore, last.failed_at), count: -1 } });
      }
      return increments;
    }
    default:
      return [];
  }
}

/** The counter increment of a recorded run: its usage on the day it finished (also on its tenant's day when given). */
export function runIncrement(run: AgentRun, tenant?: string): CounterIncrement {
  return {
    day: utcDayKey(run.finished_at),
    ...(tenant === undefined ? {} : { tenant }),
    at: run.finished_at,
    usage: {
      agent_name: run.agent_name,
      totals: { prompt_tokens: run.prompt_tokens, completion_tokens: run.completion_tokens, total_tokens: run.total_tokens, cost_usd: run.cost_usd },
      by_model: run.usage.map((u) => ({
        model: u.model,
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
        total_tokens: u.total_tokens,
        cost_usd: u.cost_usd,
      })),
    },
  };
}

export interface TaskCountingDeps {
  counters: Pick<TaskCounterRepository, 'increment'>;
  logger: Pick<Logger, 'warn'>;
  /**
   * COUNTERS_WRITE_WINDOW_MS: the increments of every move and run within this many ms of the first
   * are handed to the repository together, which merges them into one update per counter document
   * (one round trip). A crash loses at most this window's increments (and the write in flight):
   * the day drifts by those moves until it is rebuilt. 0 or unset: each call's increments are
   * handed over at once (the repository still merges the ones made while a write is in flight).
   */
  windowMs?: number;
}

/** One call's increments and what to name in the warning when they are not stored. */
interface Pending {
  increments: CounterIncrement[];
  what: Record<string, unknown>;
}

const HANDED_OVER: Promise<void> = Promise.resolve();

interface Window {
  items: Pending[];
  timer: NodeJS.Timeout;
  /** Ends the wait: the items are written. */
  close: () => void;
  /** Resolves once the items are written (or their failure logged). */
  written: Promise<void>;
}

/**
 * Writes the increments of moves and runs. Counting never holds up a move or a run: `moved` and
 * `runRecorded` hand the increments over and resolve at once (never reject); a failed write is
 * logged. `settled()` writes what waits in the window at once and waits for every write (tests,
 * shutdown).
 */
export class TaskCounting {
  private readonly inFlight = new Set<Promise<void>>();
  private window: Window | undefined;

  constructor(private readonly deps: TaskCountingDeps) {}

  /** A move that happened (`task` after it; for `route`, the routing before it). */
  moved(move: TaskMove, task: Task, before?: RoutingBefore | null): Promise<void> {
    return this.write({ increments: moveIncrements(move, task, before), what: { move, task_id: task.task_id } });
  }

  /** A run of the router or an agent was recorded. */
  runRecorded(run: AgentRun, tenant?: string): Promise<void> {
    return this.write({ increments: [runIncrement(run, tenant)], what: { run: run.agent_name, task_id: run.task_id } });
  }

  /** Writes what waits in the window now, and resolves when every write started so far has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.window || this.inFlight.size > 0) {
      this.window?.close();
      await Promise.all([...this.inFlight]);
    }
  }

  private write(item: Pending): Promise<void> {
    if (item.increments.length === 0) return HANDED_OVER;
    const windowMs = this.deps.windowMs ?? 0;
    if (windowMs <= 0) this.track(this.send([item]));
    else (this.window ?? this.open(windowMs)).items.push(item);
    return HANDED_OVER;
  }

  private open(windowMs: number): Window {
    let close!: () => void;
    const due = new Promise<void>((resolve) => (close = resolve));
    const window: Window = {
      items: [],
      timer: setTimeout(() => window.close(), windowMs),
      close: () => {
        clearTimeout(window.timer);
        if (this.window === window) this.window = undefined;
        close();
      },
      written: due.then(() => this.send(window.items)),
    };
    // Shutdown does not wait for the timer: it calls settled().
    window.timer.unref();
    this.window = window;
    this.track(window.written);
    return window;
  }

  private track(written: Promise<void>): void {
    this.inFlight.add(written);
    void written.finally(() => this.inFlight.delete(written));
  }

  /** One call of the repository for all of `items`; never rejects. */
  private async send(items: Pending[]): Promise<void> {
    try {
      await this.deps.counters.increment(items.length === 1 ? (items[0] as Pending).increments : items.flatMap((i) => i.increments));
    } catch (err) {
      for (const item of items) this.failed(err, item.what);
    }
  }

  private failed(err: unknown, what: Record<string, unknown>): void {
    this.deps.logger.warn('task counters: an increment was not stored; the day drifts until it is rebuilt', {
      ...what,
      error_message: (err as Error)?.message,
    });
  }
}
