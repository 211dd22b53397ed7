import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const SESSIONS_COLLECTION = 'sessions';

export const sessionSchema = new Schema(
  {
    /** The session id: a session is touched and read by primary key. */
    _id: { type: String },
    session_id: { type: String, required: true },
    created_at: { type: Date, required: true },
    updated_at: { type: Date, required: true },
    task_count: { type: Number, required: true, min: 0 },
    // The bounded recent slice (mongo/session-turns.ts): the last accepted tasks and their user messages.
    recent: {
      type: [new Schema({ task_id: { type: String, required: true }, message_id: { type: String, required: true }, created_at: { type: Date, required: true } }, { _id: false, id: false, strict: true })],
      default: undefined,
    },
    recent_len: { type: Number, min: 0 },
    /** True while `recent` holds every task of the session. */
    recent_complete: { type: Boolean },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: SESSIONS_COLLECTION },
);

sessionSchema.index({ session_id: 1 }, { unique: true });

export function sessionModel(conn: Connection) {
  return conn.model('Session', sessionSchema, SESSIONS_COLLECTION);
}
export type SessionModel = ReturnType<typeof sessionModel>;
