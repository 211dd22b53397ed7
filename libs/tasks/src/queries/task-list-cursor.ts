import type { TaskListPosition } from '@agent-orchestrator/persistence';

/** Task ids in a cursor: what the API generates (UUIDs) and any id the store accepts as safe. */
const CURSOR_TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_CURSOR_LENGTH = 256;
const CURSOR_VERSION = 1;
/** The range of a JavaScript Date, in ms from the epoch. */
const MAX_DATE_MS = 8.64e15;

/**
 * The cursor is base64url of `{"v":1,"c":<created_at ms>,"i":"<task_id>"}`:
 * opaque to clients, but only a position, never a filter or a secret. A
 * tampered cursor that still decodes to a valid position just starts the page
 * elsewhere, which reveals nothing the filters would not list anyway.
 */
export function encodeCursor(position: TaskListPosition): string {
  const c = position.created_at.getTime();
  if (!Number.isFinite(c) || !CURSOR_TASK_ID_PATTERN.test(position.task_id)) {
    throw new Error(`cannot make a cursor from created_at=${String(position.created_at)} task_id=${position.task_id}`);
  }
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, c, i: position.task_id }), 'utf8').toString('base64url');
}

/** The position in a cursor, or null when it is not exactly one `encodeCursor` makes. */
export function decodeCursor(cursor: string): TaskListPosition | null {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  const bytes = Buffer.from(cursor, 'base64url');
  // Only the canonical encoding: no trailing bits or characters Node would skip.
  if (bytes.toString('base64url') !== cursor) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const p = payload as Record<string, unknown>;
  if (Object.keys(p).sort().join(',') !== 'c,i,v' || p['v'] !== CURSOR_VERSION) return null;
  const c = p['c'];
  const i = p['i'];
  if (typeof c !== 'number' || !Number.isInteger(c) || Math.abs(c) > MAX_DATE_MS) return null;
  if (typeof i !== 'string' || !CURSOR_TASK_ID_PATTERN.test(i)) return null;
  return { created_at: new Date(c), task_id: i };
}
