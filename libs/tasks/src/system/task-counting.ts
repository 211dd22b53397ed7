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
}

/** Writes the increments of moves and runs; the returned promises never reject. `settled()` waits for every write in flight. */
export class TaskCounting {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: TaskCountingDeps) {}

  /** A move that happened (`task` after it; for `route`, the routing before it). */
  moved(move: TaskMove, task: Task, before?: RoutingBefore | null): Promise<void> {
    return this.write(moveIncrements(move, task, before), { move, task_id: task.task_id });
  }

  /** A run of the router or an agent was recorded. */
  runRecorded(run: AgentRun, tenant?: string): Promise<void> {
    return this.write([runIncrement(run, tenant)], { run: run.agent_name, task_id: run.task_id });
  }

  /** Resolves when every write started so far has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private write(increments: CounterIncrement[], what: Record<string, unknown>): Promise<void> {
    if (increments.length === 0) return Promise.resolve();
    let done: Promise<void>;
    try {
      done = this.deps.counters.increment(increments).catch((err: unknown) => this.failed(err, what));
    } catch (err) {
      done = Promise.resolve(this.failed(err, what));
    }
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
    return done;
  }

  private failed(err: unknown, what: Record<string, unknown>): void {
    this.deps.logger.warn('task counters: an increment was not stored; the day drifts until it is rebuilt', {
      ...what,
      error_message: (err as Error)?.message,
    });
  }
}
