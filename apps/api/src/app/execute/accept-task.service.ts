import { randomUUID } from 'node:crypto';
import { ErrorType, newTask, type Task, type TaskMetadata } from '@agent-orchestrator/domain';
import type { Repositories } from '@agent-orchestrator/persistence';
import type { Logger, TaskEventLog } from '@agent-orchestrator/observability';
import { storeError } from '../http/store-error';
import type { ExecuteTaskInput } from './execute-task.dto';

export interface AcceptTaskDeps {
  repositories: Pick<Repositories, 'tasks' | 'sessions' | 'messages'>;
  /** Puts `process_task` for the task on the queue; rejects when the queue is unreachable. */
  enqueue: (taskId: string) => Promise<void>;
  now: () => Date;
  environment: string;
  /** Where `task.accepted` is reported (log line, then the sinks). */
  events: TaskEventLog;
  newId?: () => string;
}

/** Where the request came from, stored on the task. */
export type RequestOrigin = Omit<TaskMetadata, 'environment'>;

export const NOT_STORED_MESSAGE = 'The task could not be stored because the database is unavailable. Try again shortly.';

/**
 * Accepts a task: stores it as `queued` with the session and the user's
 * message, then enqueues it. Accepted means durable: once those three writes
 * are in MongoDB the answer is 202, even when the enqueue fails or times out.
 * Such a task stays `queued` without a job, and the worker's reconciler
 * enqueues it after its grace period (job id = task id, so a late duplicate
 * enqueue is harmless).
 *
 * A failure of the session or message write after the task insert is
 * different: the client gets a 503 and will submit again, so the half-stored
 * task is marked failed (SERVICE_UNAVAILABLE) rather than left for the
 * reconciler, which would otherwise run it next to the client's retry.
 */
export class AcceptTaskService {
  private readonly newId: () => string;

  constructor(private readonly deps: AcceptTaskDeps) {
    this.newId = deps.newId ?? randomUUID;
  }

  /** `options.taskId`: the id to create the task with (an Idempotency-Key reserves it first); default a new UUID. */
  async accept(input: ExecuteTaskInput, origin: RequestOrigin, logger: Logger, options: { taskId?: string } = {}): Promise<Task> {
    const { repositories, environment } = this.deps;
    const now = this.deps.now();
    const task = newTask({
      task_id: options.taskId ?? this.newId(),
      session_id: input.session_id ?? this.newId(),
      task: input.task,
      metadata: { ...origin, environment },
      now,
      budget: input.max_tokens === undefined && input.max_cost_usd === undefined ? null : { max_tokens: input.max_tokens ?? null, max_cost_usd: input.max_cost_usd ?? null },
    });
    const log = logger.child({ task_id: task.task_id, session_id: task.session_id });

    try {
      await repositories.tasks.create(task);
    } catch (err) {
      throw storeError(err, NOT_STORED_MESSAGE);
    }
    try {
      await repositories.sessions.touch(task.session_id, now);
      await repositories.messages.append({
        message_id: this.newId(),
        session_id: task.session_id,
        task_id: task.task_id,
        role: 'user',
        content: task.task,
        agent_name: null,
        created_at: now,
      });
    } catch (err) {
      await this.failQuietly(task, 'The task could not be stored completely.', log);
      throw storeError(err, NOT_STORED_MESSAGE);
    }
    let enqueued = true;
    try {
      await this.deps.enqueue(task.task_id);
    } catch (err) {
      // Stored is accepted: the reconciler in the worker enqueues queued tasks that have no job.
      enqueued = false;
      log.warn('task stored but not enqueued; it stays queued for the reconciler', { err });
    }
    this.deps.events.emit({ task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id }, 'task.accepted', {
      api_key_id: task.metadata.api_key_id ?? null,
      task_length: task.task.length,
      enqueued,
    });
    return task;
  }

  /** Best effort: when the database is down too, the failure is logged and the original error wins. */
  private async failQuietly(task: Task, message: string, log: Logger): Promise<void> {
    try {
      await this.deps.repositories.tasks.fail(task.task_id, { error: { type: ErrorType.SERVICE_UNAVAILABLE, message } }, this.deps.now());
    } catch (err) {
      log.error('task could not be marked failed; it stays queued without a job', { err });
    }
  }
}
