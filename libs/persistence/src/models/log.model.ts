/**
 * Structured lifecycle events kept for later analysis (architecture §7.1).
 * There is no domain type or repository for them yet; this schema is the
 * storage shape they will use.
 */
import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const LOGS_COLLECTION = 'logs';

const nullableString = { type: String, default: null } as const;

export const logSchema = new Schema(
  {
    timestamp: { type: Date, required: true },
    level: { type: String, enum: ['debug', 'info', 'warn', 'error'], required: true },
    event: { type: String, required: true },
    message: { type: String, default: '' },
    task_id: nullableString,
    session_id: nullableString,
    request_id: nullableString,
    agent_name: nullableString,
    data: { type: Schema.Types.Mixed, default: null },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: LOGS_COLLECTION },
);

logSchema.index({ task_id: 1, timestamp: 1 });

export function logModel(conn: Connection) {
  return conn.model('Log', logSchema, LOGS_COLLECTION);
}
export type LogModel = ReturnType<typeof logModel>;
