import type { TaskEvent, TaskEventLevel, TaskEventType } from '@agent-orchestrator/domain';

/** The task an event is about. */
export interface TaskEventSubject {
  task_id: string;
  session_id: string;
  /** Request that created the task. */
  request_id: string | null;
}

export interface EmitOptions {
  agent_name?: string | null;
  level?: TaskEventLevel;
  /** Defaults to the event name with the dot as a space ("task completed"). */
  message?: string;
}

/**
 * Where lifecycle events go: one log line each, then the sinks (metrics, the
 * `logs` collection). The observability lib's TaskEventLog is the adapter.
 */
export interface TaskEvents {
  emit(subject: TaskEventSubject, event: TaskEventType, data?: Record<string, unknown>, options?: EmitOptions): TaskEvent;
}
