/**
 * `task.retried`: a delivery of a task's job failed and the queue will run it
 * again (the `onFailed` of `TaskConsumer.consume`). The processor only throws
 * when it could not record the task's outcome (MongoDB unreachable), so the
 * task's session and request ids are looked up best effort: the event is
 * emitted either way.
 */
import type { TaskRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import type { TaskEvents } from '../ports/task-events.port';
import type { FailedDelivery } from '../ports/task-queue.port';

export interface TaskRetriedDeps {
  events: TaskEvents;
  tasks: Pick<TaskRepository, 'findById'>;
  logger: Pick<Logger, 'error'>;
}

/** Logs the failed delivery, and emits task.retried when the queue will deliver it again. Never throws. */
export async function onDeliveryFailed(failed: FailedDelivery, deps: TaskRetriedDeps): Promise<'retried' | 'final'> {
  const { task_id: taskId, delivery, maxDeliveries, willRetry, error } = failed;
  deps.logger.error(willRetry ? 'job failed; Bull will retry it' : 'job failed; no attempts left', {
    task_id: taskId,
    attempt: delivery,
    max_attempts: maxDeliveries,
    error_message: error.message,
  });
  if (!willRetry || taskId === '') return 'final';
  let task = null;
  try {
    task = await deps.tasks.findById(taskId);
  } catch {
    // The database is likely why the attempt failed; the event still goes out with what the job knows.
  }
  const type: unknown = (error as Error & { type?: unknown }).type;
  const errorType = typeof type === 'string' ? type : 'INTERNAL_ERROR';
  deps.events.emit(
    { task_id: taskId, session_id: task?.session_id ?? '', request_id: task?.metadata.request_id ?? null },
    'task.retried',
    { attempt: delivery, next_attempt: delivery + 1, max_attempts: maxDeliveries, error_type: errorType, error_message: error.message },
    { level: 'warn', agent_name: task?.selected_agent ?? null },
  );
  return 'retried';
}
