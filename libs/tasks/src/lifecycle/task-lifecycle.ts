import { moveEvent, type Task, type TaskError, type TaskMove, type TaskResult, type TaskUsage } from '@agent-orchestrator/domain';
import type { CancelRequest, TaskRepository, TaskRouting } from '@agent-orchestrator/persistence';
import type { EmitOptions, TaskEventSubject, TaskEvents } from '../ports/task-events.port';
import type { RoutingBefore, TaskCounting } from '../system/task-counting';
import type { WebhookOutbox } from '../webhooks/webhook-outbox';

const ENDINGS: ReadonlySet<TaskMove> = new Set(['complete', 'fail', 'cancel']);

/** An event's figures, or a function of the task after the move (timings, attempts). */
export type EventData = Record<string, unknown> | ((moved: Task) => Record<string, unknown>);

export type LifecycleTasks = Pick<TaskRepository, 'findById' | 'markProcessing' | 'recordRouting' | 'complete' | 'fail' | 'markCancelled' | 'requestCancel' | 'requeueFailed'>;

export interface TaskLifecycleDeps {
  tasks: LifecycleTasks;
  events: TaskEvents;
  now?: () => Date;
  /** The running counters of GET /v1/system/metrics: told of every move that happened. Optional (tests). */
  counting?: TaskCounting;
  /** Told of every ending (complete, fail, cancel) that happened: records the task's webhook when it has a callback URL. */
  webhooks?: Pick<WebhookOutbox, 'ended' | 'record'>;
}

/** The subject of a task's events. */
export function subjectOf(task: Pick<Task, 'task_id' | 'session_id' | 'metadata'>): TaskEventSubject {
  return { task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id };
}

/**
 * "Move the task to state X and emit event X", in one place. Each method makes
 * one move of the domain's table (`TASK_MOVES`): the repository applies it only
 * from the statuses the table allows, and the move's event is emitted exactly
 * when the move happened. `null` means it did not (the task is missing, or
 * someone else moved it first) and nothing was emitted. A move that happened is
 * also counted in the running counters (`counting`, see system/task-counting.ts).
 */
export class TaskLifecycle {
  private readonly now: () => Date;

  constructor(private readonly deps: TaskLifecycleDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** `task.accepted` for a task the caller has just stored. */
  accepted(task: Task, data: Record<string, unknown>): void {
    // Not awaited: the accept path does not wait for the counters (`counting.settled()` does).
    void this.deps.counting?.moved('accept', task);
    this.emit('accept', task, data);
  }

  /** queued|processing → processing (attempts + 1): a worker takes the task. */
  async pickUp(taskId: string, data: EventData, options?: EmitOptions): Promise<Task | null> {
    return this.moved('pick_up', await this.deps.tasks.markProcessing(taskId, this.now()), data, options);
  }

  /** The router's decision, stored while the task runs. */
  async route(task: Task, routing: TaskRouting, data: EventData, options?: EmitOptions): Promise<Task | null> {
    return this.moved('route', await this.deps.tasks.recordRouting(task.task_id, routing, this.now()), data, options, task);
  }

  /** processing → completed with the result. */
  async complete(task: Task, outcome: { result: TaskResult; usage: TaskUsage }, data: EventData, options?: EmitOptions): Promise<Task | null> {
    // The task as the caller has it gives the ending's latency and webhook marker without a read (see TaskRepository.complete).
    return this.moved('complete', await this.deps.tasks.complete(task.task_id, outcome, this.now(), task), data, options);
  }

  /** queued|processing → failed. */
  async fail(task: Pick<Task, 'task_id'>, outcome: { error: TaskError; usage?: TaskUsage }, data: EventData, options?: EmitOptions): Promise<Task | null> {
    return this.moved('fail', await this.deps.tasks.fail(task.task_id, outcome, this.now()), data, options);
  }

  /** queued|processing → cancelled: a cancel acted on, keeping the usage so far. */
  async cancel(task: Pick<Task, 'task_id'>, outcome: { usage?: TaskUsage }, data: EventData, options?: EmitOptions): Promise<Task | null> {
    return this.moved('cancel', await this.deps.tasks.markCancelled(task.task_id, outcome, this.now()), data, options);
  }

  /**
   * A client's cancel: a queued task is cancelled at once (`task.cancelled`), a
   * running one is marked for its worker. `null` when the task does not exist.
   */
  async requestCancel(taskId: string, data: EventData): Promise<CancelRequest | null> {
    const request = await this.deps.tasks.requestCancel(taskId, this.now());
    if (request?.change === 'cancelled') await this.moved('cancel', request.task, data);
    return request;
  }

  /** failed → queued, for a client's retry of a task that failed with one of `retryableTypes`. */
  async retry(taskId: string, retryableTypes: readonly string[], data: EventData, options?: EmitOptions): Promise<Task | null> {
    await this.recordEndingBeforeRetry(taskId);
    return this.moved('retry', await this.deps.tasks.requeueFailed(taskId, { retryableTypes }, this.now()), data, options);
  }

  /**
   * failed → queued like `retry`, then `requeue(moved)` (put the task back on the queue) before
   * `task.retried` is emitted with the figures it returns, so the one event says whether the
   * task was enqueued. `requeue` must not throw: a queue failure leaves the task to the reconciler.
   */
  async retryThen(taskId: string, retryableTypes: readonly string[], requeue: (moved: Task) => Promise<Record<string, unknown>>, options?: EmitOptions): Promise<Task | null> {
    await this.recordEndingBeforeRetry(taskId);
    const task = await this.deps.tasks.requeueFailed(taskId, { retryableTypes }, this.now());
    if (!task) return null;
    void this.deps.counting?.moved('retry', task);
    this.emit('retry', task, await requeue(task), options);
    return task;
  }

  /** `task.requeued`: the reconciler gave the task a new job (the status stays). */
  requeued(task: Task, data: Record<string, unknown>, options?: EmitOptions): void {
    this.emit('requeue', task, data, options);
  }

  /**
   * A retry clears the webhook marker of the ending it undoes (the task's next ending has a new
   * webhook id and body), so that ending's delivery is recorded first, if the task has a callback
   * URL: usually it is already (then recording is a no-op, same id); if the process that ended the
   * task died before recording it, it is recorded now. Throws (the retry fails, nothing moved) when
   * it cannot be recorded.
   */
  private async recordEndingBeforeRetry(taskId: string): Promise<void> {
    if (!this.deps.webhooks) return;
    const before = await this.deps.tasks.findById(taskId);
    if (before?.callback_url && before.status === 'failed') await this.deps.webhooks.record(before);
  }

  private async moved(move: TaskMove, task: Task | null, data: EventData, options?: EmitOptions, before?: RoutingBefore): Promise<Task | null> {
    if (!task) return null;
    this.emit(move, task, typeof data === 'function' ? data(task) : data, options);
    // Not awaited, like the accept's: a move never waits for the counters' write window (`counting.settled()` does).
    void this.deps.counting?.moved(move, task, before);
    if (ENDINGS.has(move)) await this.deps.webhooks?.ended(task);
    return task;
  }

  private emit(move: TaskMove, task: Task, data: Record<string, unknown>, options?: EmitOptions): void {
    const event = moveEvent(move);
    if (event) this.deps.events.emit(subjectOf(task), event, data, options);
  }
}
