/**
 * The reconciler: makes MongoDB (what tasks should be doing) and the queue
 * (what jobs exist) agree again after anything that split them — an enqueue that
 * failed after the insert, a job that used up its attempts while MongoDB was
 * down, a worker killed with its job, a job the queue gave up on as stalled too often.
 *
 * Each pass, per status (`queued`, `processing`):
 * 1. tasks past TASK_DEADLINE_MS (from queued_at) end as `failed` / TIMEOUT, or
 *    `cancelled` when a cancel was requested, and a job that is not running is removed;
 * 2. tasks older than the grace period whose job is gone or finished get a fresh
 *    `process_task` job (job id = task id) and a `task.requeued` event; a
 *    `processing` task with a cancel request and no live job is cancelled instead.
 * Every action is conditional (status transitions, a re-read before re-enqueueing,
 * the queue ignoring a second job with the same id), so two reconcilers at once are
 * harmless; the lease of `startLeasedLoop` only keeps them from doubling work.
 * Reads are bounded: one index range of at most `batchSize` tasks per step, and
 * step 2 walks the tasks by keyset across passes, so no task is starved.
 */
import { ErrorType, TASK_QUEUE_NAME, type Task } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { TaskLifecycle, type LifecycleTasks } from '../lifecycle/task-lifecycle';
import type { Logger } from '../ports/logger.port';
import type { TaskEvents } from '../ports/task-events.port';
import { LIVE_JOB_STATES, type JobState, type TaskQueue } from '../ports/task-queue.port';
import type { TaskCounting } from '../system/task-counting';
import type { WebhookOutbox } from '../webhooks/webhook-outbox';

type ReconciledStatus = 'queued' | 'processing';
const STATUSES: readonly ReconciledStatus[] = ['queued', 'processing'];

/** The lease every worker competes for to run the reconciler; one key per queue. */
export const RECONCILER_LOCK_KEY = `ao:${TASK_QUEUE_NAME}:reconciler`;

export interface ReconcilerDeps {
  /** Reads, plus the moves it makes through the lifecycle (fail, cancel). */
  tasks: Pick<TaskRepository, 'listStale' | 'findById'> & LifecycleTasks;
  queue: Pick<TaskQueue, 'jobState' | 'remove' | 'enqueue'>;
  events: TaskEvents;
  logger: Logger;
  /** A task must have waited this long (from queued_at) before its job is checked. */
  graceMs: number;
  /** Past this (from queued_at) a non-terminal task is failed with TIMEOUT. */
  deadlineMs: number;
  /** Tasks read per status and step. */
  batchSize: number;
  now?: () => Date;
  /** The running counters of GET /v1/system/metrics. Optional (tests). */
  counting?: TaskCounting;
  /** Records the webhook of each task ending (tasks with a callback URL); optional (tests). */
  webhooks?: Pick<WebhookOutbox, 'ended' | 'record'>;
}

export interface ReconcileReport {
  /** Tasks whose job was looked at. */
  checked: number;
  requeued: number;
  timed_out: number;
  cancelled: number;
}

export class Reconciler {
  /** Where step 2 stopped last pass, per status; reset after the last batch. */
  private readonly cursor = new Map<ReconciledStatus, { queued_at: Date; task_id: string }>();
  private readonly now: () => Date;
  /** The pass's clock: every move of one pass is dated at its start. */
  private passNow = new Date(0);
  private readonly lifecycle: TaskLifecycle;

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.lifecycle = new TaskLifecycle({ tasks: deps.tasks, events: deps.events, now: () => this.passNow, counting: deps.counting, webhooks: deps.webhooks });
  }

  async runOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, requeued: 0, timed_out: 0, cancelled: 0 };
    const now = (this.passNow = this.now());
    for (const status of STATUSES) await this.endOverdue(status, now, report);
    for (const status of STATUSES) await this.recoverLost(status, now, report);
    if (report.requeued + report.timed_out + report.cancelled > 0) this.deps.logger.info('reconciler pass', { ...report });
    return report;
  }

  private async endOverdue(status: ReconciledStatus, now: Date, report: ReconcileReport): Promise<void> {
    const { tasks, queue, deadlineMs } = this.deps;
    const overdue = await tasks.listStale({ status, olderThan: new Date(now.getTime() - deadlineMs), limit: this.deps.batchSize });
    for (const task of overdue) {
      if (task.cancel_requested_at) {
        if (await this.lifecycle.cancel(task, {}, { attempt: task.attempts, reason: 'deadline' })) report.cancelled += 1;
      } else {
        const message = `The task did not finish within its overall deadline of ${deadlineMs} ms from when it was queued.`;
        const failed = await this.lifecycle.fail(task, { error: { type: ErrorType.TIMEOUT, message } }, { attempt: task.attempts, error_type: ErrorType.TIMEOUT, error_message: message, reason: 'deadline', previous_status: status }, { level: 'warn' });
        if (!failed) continue; // finished meanwhile
        report.timed_out += 1;
      }
      // A running job finds the task terminal and writes nothing; a waiting one is dropped here.
      const state = await queue.jobState(task.task_id);
      if (state !== 'missing' && state !== 'active') await queue.remove(task.task_id).catch(() => undefined);
    }
  }

  private async recoverLost(status: ReconciledStatus, now: Date, report: ReconcileReport): Promise<void> {
    const { tasks, batchSize } = this.deps;
    const batch = await tasks.listStale({ status, olderThan: new Date(now.getTime() - this.deps.graceMs), limit: batchSize, after: this.cursor.get(status) });
    const last = batch[batch.length - 1];
    if (batch.length < batchSize || !last) this.cursor.delete(status);
    else this.cursor.set(status, { queued_at: last.queued_at, task_id: last.task_id });

    for (const listed of batch) {
      report.checked += 1;
      const state = await this.deps.queue.jobState(listed.task_id);
      if (LIVE_JOB_STATES.has(state)) continue;
      // The listing may be stale by now (the job finished after writing the task): act only on what is still true.
      const task = await tasks.findById(listed.task_id);
      if (!task || task.status !== status || task.attempts !== listed.attempts) continue;
      if (status === 'processing' && task.cancel_requested_at) {
        if (await this.lifecycle.cancel(task, {}, { attempt: task.attempts, reason: 'no_live_job', job_state: state })) report.cancelled += 1;
        continue;
      }
      if (await this.requeue(task, state)) report.requeued += 1;
    }
  }

  private async requeue(task: Task, state: JobState): Promise<boolean> {
    // A finished job keeps its id in the queue, which ignores an enqueue with a taken id: remove it first.
    if (state !== 'missing' && (await this.deps.queue.remove(task.task_id)) === 'locked') {
      // A worker took it up meanwhile. Nothing to do.
      this.deps.logger.debug('job could not be removed; leaving it', { task_id: task.task_id, error_message: 'the job is locked by a worker' });
      return false;
    }
    await this.deps.queue.enqueue(task.task_id, { tenant: task.tenant_id });
    const reason = state === 'missing' ? 'job_missing' : `job_${state}`;
    this.lifecycle.requeued(task, { reason, status: task.status, job_state: state, attempt: task.attempts }, { level: 'warn' });
    return true;
  }
}
