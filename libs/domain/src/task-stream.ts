import type { TaskEventType } from './task-events';

/**
 * The live progress stream of a task (`GET /v1/tasks/{task_id}/stream`): its lifecycle events plus
 * `delta` events carrying the agent's text as it is written, each numbered by a per-task sequence
 * (1, 2, 3, ... with no gap), so a client resumes after the last one it saw.
 */
export const DELTA_EVENT = 'delta' as const;
export type StreamEventType = TaskEventType | typeof DELTA_EVENT;

/** The events after which a stream ends (the task reached a terminal status). */
export const TERMINAL_STREAM_EVENTS: readonly StreamEventType[] = ['task.completed', 'task.failed', 'task.cancelled'];

export function isTerminalStreamEvent(event: string): boolean {
  return (TERMINAL_STREAM_EVENTS as readonly string[]).includes(event);
}

/** An event to be numbered and stored (what publishers hand over). */
export interface StreamEventDraft {
  task_id: string;
  event: StreamEventType;
  timestamp: Date;
  agent_name: string | null;
  /** The event's own figures; for `delta`, `{ text }`. */
  data: Record<string, unknown>;
}

/** One numbered event of a task's stream. */
export interface StreamEvent extends StreamEventDraft {
  /** Per-task sequence number: 1 for the first event, strictly increasing, gap-free. */
  seq: number;
}
