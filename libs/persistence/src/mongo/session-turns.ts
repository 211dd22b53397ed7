/**
 * The bounded recent slice kept on a session document (issue 11, goal 3), so the worker builds a
 * task's context from one session read and lookups by primary key, never a query by session_id.
 *
 * Each accepted task pushes one turn `{ task_id, message_id, created_at }` (its user message's id)
 * onto `recent`, and counts it in `recent_len`. FerretDB v1 ignores `$push`'s `$slice` (the array
 * would grow for ever), so the bound is kept portably: when the count passes RECENT_TURNS_KEPT, the
 * oldest turn is `$pop`ped and the session marked `recent_complete: false`. A session created with
 * turns has `recent_complete: true` until then: its turns are all its tasks. Sessions from before
 * the slice lack the flag and are treated as trimmed.
 *
 * Readers use the slice only when it can answer exactly: when it is complete, or when it holds
 * enough turns before the bound (older turns were pushed earlier, so they are older); otherwise
 * they fall back to the indexed query by session_id.
 */
import { replyMessageId } from '@agent-orchestrator/domain';
import type { mongo } from 'mongoose';

import { KeyReadBatcher } from './key-read-batcher';

/** Turns kept on a session: more than PREVIOUS_TASKS and the default SESSION_HISTORY_LIMIT (10) need. */
export const RECENT_TURNS_KEPT = 16;

export interface SessionTurn {
  task_id: string;
  /** The task's user message. */
  message_id: string;
  created_at: Date;
}

export interface SessionTurns {
  /** Oldest first (push order). */
  turns: SessionTurn[];
  /** Whether the turns are all the session's tasks (never trimmed, created with the slice). */
  complete: boolean;
}

/**
 * Reads of a session's turns in flight, by collection and session: the worker builds a task's context
 * with `tasks.recentBySession` and `messages.recentBySession` side by side, and both start from the same
 * session; the second is answered by the first's read instead of a second round trip. Only reads in
 * flight are shared (an entry is dropped when its read settles), so nothing is served from a cache.
 */
const inFlight = new WeakMap<mongo.Collection, Map<string, Promise<SessionTurns | null>>>();

/** The session's turns, or null when it has no session document (a task stored without a session touch). */
export function readSessionTurns(sessions: mongo.Collection, sessionId: string): Promise<SessionTurns | null> {
  let reads = inFlight.get(sessions);
  if (!reads) inFlight.set(sessions, (reads = new Map()));
  const pending = reads.get(sessionId);
  if (pending) return pending;
  const read = readOnce(sessions, sessionId).finally(() => reads.delete(sessionId));
  reads.set(sessionId, read);
  return read;
}

/**
 * The slice reads of one event-loop turn, for different sessions (many tasks' contexts), share one
 * round trip (key-read-batcher.ts): one batcher per collection.
 */
const batchers = new WeakMap<mongo.Collection, KeyReadBatcher>();

async function readOnce(sessions: mongo.Collection, sessionId: string): Promise<SessionTurns | null> {
  let batcher = batchers.get(sessions);
  if (!batcher) batchers.set(sessions, (batcher = new KeyReadBatcher(sessions, { recent: 1, recent_complete: 1 })));
  const doc = await batcher.read(sessionId);
  if (!doc) return null;
  const raw = Array.isArray(doc['recent']) ? (doc['recent'] as unknown[]) : [];
  const turns: SessionTurn[] = [];
  for (const t of raw) {
    const d = (typeof t === 'object' && t !== null ? t : {}) as Record<string, unknown>;
    if (typeof d['task_id'] === 'string' && typeof d['message_id'] === 'string' && d['created_at'] instanceof Date) {
      turns.push({ task_id: d['task_id'], message_id: d['message_id'], created_at: d['created_at'] });
    }
  }
  return { turns, complete: doc['recent_complete'] === true };
}

/** The message ids a turn may have: its user message and its one reply. */
export function turnMessageIds(turn: SessionTurn): { user: string; reply: string } {
  return { user: turn.message_id, reply: replyMessageId(turn.task_id) };
}
