/**
 * Task lifecycle events. Each is one log line (`event` field) and, with
 * LOG_TO_MONGO=true, one document in `logs`, so a task's timeline can be read
 * back in order. Names are part of the operator contract: add, never rename.
 */
export const TASK_EVENT_TYPES = [
  'task.accepted',
  'task.picked_up',
  'task.routed',
  'agent.started',
  'agent.finished',
  'task.completed',
  'task.failed',
  'task.retried',
  'task.cancelled',
  'task.requeued',
] as const;
export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

export type TaskEventLevel = 'debug' | 'info' | 'warn' | 'error';

/** The task an event is about (the emitters of events: observability's TaskEventLog, the use cases' TaskEvents port). */
export interface TaskEventSubject {
  task_id: string;
  session_id: string;
  /** Request that created the task. */
  request_id: string | null;
}

/** How one event is emitted: its agent, level and log message. */
export interface EmitOptions {
  agent_name?: string | null;
  level?: TaskEventLevel;
  /** Defaults to the event name with the dot as a space ("task completed"). */
  message?: string;
}

/** One lifecycle event of one task. `data` holds the event's own figures (confidence, tokens, error type...). */
export interface TaskEvent {
  event: TaskEventType;
  level: TaskEventLevel;
  /** Human-readable line, e.g. "task routed". */
  message: string;
  timestamp: Date;
  task_id: string;
  session_id: string;
  /** Request that created the task (X-Request-Id). */
  request_id: string | null;
  agent_name: string | null;
  /** `api` or `worker`. */
  service: string;
  data: Record<string, unknown>;
}
