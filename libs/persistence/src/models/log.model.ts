/**
 * Task lifecycle events (domain TaskEvent) kept for the task timeline
 * (GET /v1/tasks/{task_id}/events) when LOG_TO_MONGO=true. Expired by a TTL
 * index on `timestamp` (created by MongoStore.ensureRetention, since its
 * lifetime is configuration) and by a periodic purge where TTL has no effect.
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
    /** `api` or `worker`. */
    service: nullableString,
    data: { type: Schema.Types.Mixed, default: null },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: LOGS_COLLECTION },
);

logSchema.index({ task_id: 1, timestamp: 1 });

export function logModel(conn: Connection) {
  return conn.model('Log', logSchema, LOGS_COLLECTION);
}
export type LogModel = ReturnType<typeof logModel>;
