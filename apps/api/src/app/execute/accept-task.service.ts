import { randomUUID } from 'node:crypto';
import { ErrorType, newTask, type Task, type TaskMetadata } from '@agent-orchestrator/domain';
import type { Repositories } from '@agent-orchestrator/persistence';
import type { Logger, TaskEventLog } from '@agent-orchestrator/platform';
import { ApiError } from '../http/http-error';
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
export const NOT_QUEUED_MESSAGE = 'The task could not be queued because the queue is unavailable. Try again shortly.';

/**
 * Accepts a task: stores it as `queued` with the session and the user's
 * message, then enqueues it. A task is never left `queued` without a job: if
 * anything after the insert fails, the task is marked failed before the error
 * goes back to the client.
 */
export class AcceptTaskService {
  private readonly newId: () => string;

  constructor(private readonly deps: AcceptTaskDeps) {
    this.newId = deps.newId ?? randomUUID;
  }

  async accept(input: ExecuteTaskInput, origin: RequestOrigin, logger: Logger): Promise<Task> {
    const { repositories, environment } = this.deps;
    const now = this.deps.now();
    const task = newTask({
      task_id: this.newId(),
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
    try {
      await this.deps.enqueue(task.task_id);
    } catch (err) {
      log.error('task could not be queued', { err });
      await this.failQuietly(task, 'The task could not be queued: the queue was unavailable.', log);
      throw new ApiError(ErrorType.SERVICE_UNAVAILABLE, NOT_QUEUED_MESSAGE, { cause: err, retryable: true });
    }
    this.deps.events.emit({ task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id }, 'task.accepted', {
      api_key_id: task.metadata.api_key_id ?? null,
      task_length: task.task.length,
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
