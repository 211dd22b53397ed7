/**
 * `task.retried`: when a job attempt failed and Bull will run it again. The
 * processor only throws when it could not record the task's outcome (MongoDB
 * unreachable), so the task's session and request ids are looked up best
 * effort: the event is emitted either way.
 */
import type { TaskRepository } from '@agent-orchestrator/persistence';
import type { Logger, TaskEventLog } from '@agent-orchestrator/observability';

/** What the 'failed' handler needs from a Bull job. */
export interface FailedJob {
  data?: { task_id?: unknown };
  attemptsMade: number;
  opts: { attempts?: number };
}

export interface TaskRetriedDeps {
  events: TaskEventLog;
  tasks: Pick<TaskRepository, 'findById'>;
  logger: Pick<Logger, 'error'>;
}

/** Handles Bull's 'failed' event: logs the failure, and emits task.retried when attempts remain. Never throws. */
export async function onJobFailed(job: FailedJob, err: Error, deps: TaskRetriedDeps): Promise<'retried' | 'final'> {
  const taskId = typeof job.data?.task_id === 'string' ? job.data.task_id : '';
  const maxAttempts = job.opts.attempts ?? 1;
  const willRetry = job.attemptsMade < maxAttempts;
  deps.logger.error(willRetry ? 'job failed; Bull will retry it' : 'job failed; no attempts left', {
    task_id: taskId,
    attempt: job.attemptsMade,
    max_attempts: maxAttempts,
    error_message: err.message,
  });
  if (!willRetry || taskId === '') return 'final';
  let task = null;
  try {
    task = await deps.tasks.findById(taskId);
  } catch {
    // The database is likely why the attempt failed; the event still goes out with what the job knows.
  }
  const type: unknown = (err as Error & { type?: unknown }).type;
  const errorType = typeof type === 'string' ? type : 'INTERNAL_ERROR';
  deps.events.emit(
    { task_id: taskId, session_id: task?.session_id ?? '', request_id: task?.metadata.request_id ?? null },
    'task.retried',
    { attempt: job.attemptsMade, next_attempt: job.attemptsMade + 1, max_attempts: maxAttempts, error_type: errorType, error_message: err.message },
    { level: 'warn', agent_name: task?.selected_agent ?? null },
  );
  return 'retried';
}
