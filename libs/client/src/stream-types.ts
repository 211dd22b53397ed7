/**
 * The events of `GET /v1/tasks/{task_id}/stream`, written by hand from the stream's wire contract
 * because the OpenAPI document does not describe the stream yet.
 * TODO(stream): replace with the generated types once the path is in the document.
 */
import type { Task } from './types';

/** Lifecycle event names (libs/domain TASK_EVENT_TYPES; the list only grows). */
export type TaskLifecycleEventName =
  | 'task.accepted'
  | 'task.picked_up'
  | 'task.routed'
  | 'agent.started'
  | 'agent.finished'
  | 'task.completed'
  | 'task.failed'
  | 'task.retried'
  | 'task.cancelled'
  | 'task.requeued';

/** After these the server closes the stream. */
export const TERMINAL_STREAM_EVENTS = ['task.completed', 'task.failed', 'task.cancelled'] as const;
export type TerminalStreamEventName = (typeof TERMINAL_STREAM_EVENTS)[number];

interface StreamEventBase<E extends string, D> {
  /** The per-task sequence number (≥ 1): reconnecting with it as Last-Event-ID resumes right after this event. */
  id: number;
  event: E;
  timestamp: string;
  task_id: string;
  agent_name: string | null;
  data: D;
}

/** A piece of the agent's text, as the model writes it. */
export type DeltaEvent = StreamEventBase<'delta', { text: string; [key: string]: unknown }>;
/** The last event: the task as `GET /v1/tasks/{task_id}` gives it. */
export type TerminalEvent = StreamEventBase<TerminalStreamEventName, { task: Task; [key: string]: unknown }>;
/** Any other lifecycle step (picked up, routed with agent and confidence, agent started/finished...). */
export type LifecycleEvent = StreamEventBase<Exclude<TaskLifecycleEventName, TerminalStreamEventName>, Record<string, unknown>>;

export type TaskStreamEvent = DeltaEvent | TerminalEvent | LifecycleEvent;

export const isTerminalEvent = (e: TaskStreamEvent): e is TerminalEvent => (TERMINAL_STREAM_EVENTS as readonly string[]).includes(e.event);
