import type { TaskEventType } from './task-events';
import type { TaskStatus } from './task';

/**
 * The one table of a task's moves: from which statuses each move is allowed,
 * the status it leads to, and the lifecycle event it emits. The repositories
 * make each move conditional on `from` (an atomic "update if the status is one
 * of"), and the application layer's `TaskLifecycle` emits `event` exactly when
 * the move happened, so nothing else decides either.
 *
 * Moves that keep the status (`route`, `checkpoint`, `request_cancel`, `requeue`) are listed
 * too: they are conditional on the status like the others.
 */
export const TASK_MOVES = {
  /** A client's submission: a new task, stored queued. */
  accept: { from: [], to: 'queued', event: 'task.accepted' },
  /** A worker takes the task (again, after a crash: `processing` stays allowed). */
  pick_up: { from: ['queued', 'processing'], to: 'processing', event: 'task.picked_up' },
  /** The router's decision is stored while the task runs. */
  route: { from: ['processing'], to: 'processing', event: 'task.routed' },
  complete: { from: ['processing'], to: 'completed', event: 'task.completed' },
  fail: { from: ['queued', 'processing'], to: 'failed', event: 'task.failed' },
  /** A cancel acted on: by the api for a queued task, by the worker or the reconciler for a running one. */
  cancel: { from: ['queued', 'processing'], to: 'cancelled', event: 'task.cancelled' },
  /** A client's cancel of a running task: marked, for the worker to act on at its next step. */
  request_cancel: { from: ['processing'], to: 'processing', event: null },
  /**
   * A finished step's outcome kept on the running task (durable steps), or a step a later attempt
   * took from its checkpoint. No event of its own: the step's events say it.
   */
  checkpoint: { from: ['processing'], to: 'processing', event: null },
  /** A client's retry of a task that failed for a transient cause (checkpoints cleared: it starts over). */
  retry: { from: ['failed'], to: 'queued', event: 'task.retried' },
  /** The reconciler gives a task whose job is gone a new one. */
  requeue: { from: ['queued', 'processing'], to: null, event: 'task.requeued' },
} as const satisfies Record<string, TaskMoveRule>;

export interface TaskMoveRule {
  readonly from: readonly TaskStatus[];
  /** The status after the move; `null`: the status is left as it was. */
  readonly to: TaskStatus | null;
  /** The event the move emits; `null`: none. */
  readonly event: TaskEventType | null;
}

export type TaskMove = keyof typeof TASK_MOVES;

/** The statuses `move` is allowed from. */
export function allowedFrom(move: TaskMove): readonly TaskStatus[] {
  return TASK_MOVES[move].from;
}

/** Whether a task in `status` may make `move`. */
export function canMove(status: TaskStatus, move: TaskMove): boolean {
  return (TASK_MOVES[move].from as readonly TaskStatus[]).includes(status);
}

/** The event `move` emits, or null. */
export function moveEvent(move: TaskMove): TaskEventType | null {
  return TASK_MOVES[move].event;
}
