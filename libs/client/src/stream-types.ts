/**
 * The events of `GET /v1/tasks/{task_id}/stream`. Each message's JSON (`data:` line) is generated
 * from the OpenAPI document (`TaskStreamLifecycleEvent`, `TaskStreamDeltaEvent`,
 * `TaskStreamTerminalEvent`). What OpenAPI cannot say is written here: the message's `id:` joined
 * to the JSON as `id`, and the union discriminated by `event`.
 */
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/** `id` is the message's `id:`, the per-task sequence number (1, 2, 3… with no gap): reconnecting with it as `Last-Event-ID` resumes right after this event. */
type WithId<T> = T & { id: number };

/** A piece of the agent's text as the model writes it (`data.text`; join them in order). */
export type DeltaEvent = WithId<Schemas['TaskStreamDeltaEvent']>;
/** The end: `task.completed`, `task.failed` or `task.cancelled`, with `task` as `GET /v1/tasks/{task_id}` returns it. */
export type TerminalEvent = WithId<Schemas['TaskStreamTerminalEvent']>;
/** Any other lifecycle step (picked up, routed with agent and confidence, agent started / finished with tokens and cost...); its figures in `data`. */
export type LifecycleEvent = WithId<Schemas['TaskStreamLifecycleEvent']>;

export type TaskStreamEvent = LifecycleEvent | DeltaEvent | TerminalEvent;
export type TaskStreamEventName = TaskStreamEvent['event'];
export type TerminalStreamEventName = TerminalEvent['event'];
/** Lifecycle event names (every name but `delta`; the list only grows). */
export type TaskLifecycleEventName = LifecycleEvent['event'] | TerminalStreamEventName;

/** After these the server closes the stream (the document's `TaskStreamTerminalEvent`). */
export const TERMINAL_STREAM_EVENTS = ['task.completed', 'task.failed', 'task.cancelled'] as const satisfies readonly TerminalStreamEventName[];
/** The names this client knows; a newer server may send others, which the client skips. */
export const STREAM_EVENT_NAMES = [
  'task.accepted',
  'task.picked_up',
  'task.routed',
  'agent.started',
  'agent.finished',
  'task.retried',
  'task.requeued',
  'delta',
  ...TERMINAL_STREAM_EVENTS,
] as const satisfies readonly TaskStreamEventName[];

// Compile-time: the lists above hold every name of the generated types (a regenerated document with a new name fails typecheck here).
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : { missing: Exclude<All, Listed> };
const everyTerminal: Missing<TerminalStreamEventName, (typeof TERMINAL_STREAM_EVENTS)[number]> = true;
const everyName: Missing<TaskStreamEventName, (typeof STREAM_EVENT_NAMES)[number]> = true;
void everyTerminal;
void everyName;

export const isTerminalEvent = (e: TaskStreamEvent): e is TerminalEvent => (TERMINAL_STREAM_EVENTS as readonly string[]).includes(e.event);
export const isKnownStreamEvent = (name: string): name is TaskStreamEventName => (STREAM_EVENT_NAMES as readonly string[]).includes(name);
