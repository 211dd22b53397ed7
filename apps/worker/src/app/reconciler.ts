/**
 * The reconciler: makes MongoDB (what tasks should be doing) and Bull (what
 * jobs exist) agree again after anything that split them — an enqueue that
 * failed after the insert, a job that used up its attempts while MongoDB was
 * down, a worker killed with its job, a job Bull gave up on as stalled too often.
 *
 * Each pass, per status (`queued`, `processing`):
 * 1. tasks past TASK_DEADLINE_MS (from queued_at) end as `failed` / TIMEOUT, or
 *    `cancelled` when a cancel was requested, and a job that is not running is removed;
 * 2. tasks older than the grace period whose job is gone or finished get a fresh
 *    `process_task` job (job id = task id) and a `task.requeued` event; a
 *    `processing` task with a cancel request and no live job is cancelled instead.
 * Every action is conditional (status transitions, a re-read before re-enqueueing,
 * Bull ignoring a second job with the same id), so two reconcilers at once are
 * harmless; the Redis lease in `startReconciler` only keeps them from doubling work.
 * Reads are bounded: one index range of at most `batchSize` tasks per step, and
 * step 2 walks the tasks by keyset across passes, so no task is starved.
 */
import { ErrorType, PROCESS_TASK_JOB, TASK_QUEUE_NAME, type Task } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { RedisLock, type RedisLockClient, type TaskJob, type TaskQueue } from '@agent-orchestrator/messaging';
import type { Logger, TaskEventLog } from '@agent-orchestrator/observability';

type ReconciledStatus = 'queued' | 'processing';
const STATUSES: readonly ReconciledStatus[] = ['queued', 'processing'];
/** Job states in which Bull will still run (or is running) the job. Anything else means nobody will. */
const LIVE_JOB_STATES = new Set(['waiting', 'delayed', 'active', 'paused']);

export interface ReconcilerDeps {
  tasks: Pick<TaskRepository, 'listStale' | 'findById' | 'fail' | 'markCancelled'>;
  queue: Pick<TaskQueue, 'getJob' | 'add'>;
  events: TaskEventLog;
  logger: Logger;
  /** A task must have waited this long (from queued_at) before its job is checked. */
  graceMs: number;
  /** Past this (from queued_at) a non-terminal task is failed with TIMEOUT. */
  deadlineMs: number;
  /** Tasks read per status and step. */
  batchSize: number;
  now?: () => Date;
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

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async runOnce(): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, requeued: 0, timed_out: 0, cancelled: 0 };
    const now = this.now();
    for (const status of STATUSES) await this.endOverdue(status, now, report);
    for (const status of STATUSES) await this.recoverLost(status, now, report);
    if (report.requeued + report.timed_out + report.cancelled > 0) this.deps.logger.info('reconciler pass', { ...report });
    return report;
  }

  private async endOverdue(status: ReconciledStatus, now: Date, report: ReconcileReport): Promise<void> {
    const { tasks, events, deadlineMs } = this.deps;
    const overdue = await tasks.listStale({ status, olderThan: new Date(now.getTime() - deadlineMs), limit: this.deps.batchSize });
    for (const task of overdue) {
      const subject = subjectOf(task);
      if (task.cancel_requested_at) {
        if (await tasks.markCancelled(task.task_id, {}, now)) {
          report.cancelled += 1;
          events.emit(subject, 'task.cancelled', { attempt: task.attempts, reason: 'deadline' });
        }
      } else {
        const message = `The task did not finish within its overall deadline of ${deadlineMs} ms from when it was queued.`;
        const failed = await tasks.fail(task.task_id, { error: { type: ErrorType.TIMEOUT, message } }, now);
        if (!failed) continue; // finished meanwhile
        report.timed_out += 1;
        events.emit(subject, 'task.failed', { attempt: task.attempts, error_type: ErrorType.TIMEOUT, error_message: message, reason: 'deadline', previous_status: status }, { level: 'warn' });
      }
      // A running job finds the task terminal and writes nothing; a waiting one is dropped here.
      const { job, state } = await this.jobOf(task.task_id);
      if (job && state !== 'active') await job.remove().catch(() => undefined);
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
      const { job, state } = await this.jobOf(listed.task_id);
      if (LIVE_JOB_STATES.has(state)) continue;
      // The listing may be stale by now (the job finished after writing the task): act only on what is still true.
      const task = await tasks.findById(listed.task_id);
      if (!task || task.status !== status || task.attempts !== listed.attempts) continue;
      if (status === 'processing' && task.cancel_requested_at) {
        if (await tasks.markCancelled(task.task_id, {}, now)) {
          report.cancelled += 1;
          this.deps.events.emit(subjectOf(task), 'task.cancelled', { attempt: task.attempts, reason: 'no_live_job', job_state: state });
        }
        continue;
      }
      if (await this.requeue(task, job, state)) report.requeued += 1;
    }
  }

  private async requeue(task: Task, job: TaskJob | null, state: string): Promise<boolean> {
    // A finished job keeps its id in Redis, and Bull ignores an add with a taken id: remove it first.
    if (job) {
      try {
        await job.remove();
      } catch (err) {
        // Locked: a worker took it up meanwhile. Nothing to do.
        this.deps.logger.debug('job could not be removed; leaving it', { task_id: task.task_id, error_message: (err as Error).message });
        return false;
      }
    }
    await this.deps.queue.add(PROCESS_TASK_JOB, { task_id: task.task_id }, { jobId: task.task_id });
    const reason = state === 'missing' ? 'job_missing' : `job_${state}`;
    this.deps.events.emit(subjectOf(task), 'task.requeued', { reason, status: task.status, job_state: state, attempt: task.attempts }, { level: 'warn' });
    return true;
  }

  private async jobOf(taskId: string): Promise<{ job: TaskJob | null; state: string }> {
    const job = (await this.deps.queue.getJob(taskId)) ?? null;
    return { job, state: job ? await job.getState() : 'missing' };
  }
}

function subjectOf(task: Task) {
  return { task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id };
}

export interface ReconcilerLoop {
  /** Stops the loop, waits for a pass in progress and gives the lease back. */
  stop(): Promise<void>;
}

/** The lease every worker competes for; one Redis key per queue. */
export const RECONCILER_LOCK_KEY = `ao:${TASK_QUEUE_NAME}:reconciler`;

/**
 * Runs `reconciler` every `intervalMs` in the worker holding the Redis lease
 * (`SET NX PX`, extended each pass, three intervals long, so a dead holder is
 * replaced within that time). A pass that fails is logged and retried next time.
 */
export function startReconciler(reconciler: Pick<Reconciler, 'runOnce'>, options: { redis: RedisLockClient; intervalMs: number; logger: Logger; owner: string; lockKey?: string }): ReconcilerLoop {
  const { intervalMs, logger } = options;
  const lock = new RedisLock(options.redis, options.lockKey ?? RECONCILER_LOCK_KEY, Math.max(intervalMs * 3, 1000), options.owner);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const tick = async () => {
    try {
      if (await lock.hold()) await reconciler.runOnce();
    } catch (err) {
      logger.warn('reconciler pass failed; trying again on the next one', { error_message: (err as Error).message });
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
      await lock.release();
    },
  };
}
