/**
 * Running counters per UTC day and per minute (`task_counters`), written with
 * `$inc` upserts and read by `_id`: see counters/counter-docs.ts for the layout
 * and task-counters.ts for the contract. The counter fields are keyed by status,
 * agent, bucket and model, so the schema only declares the fixed ones; the
 * repository writes through the driver (no document construction on the hot path).
 */
import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const TASK_COUNTERS_COLLECTION = 'task_counters';

export const taskCountersSchema = new Schema(
  {
    /** `day:YYYY-MM-DD` or `min:YYYY-MM-DDTHH:MM` (UTC). */
    _id: { type: String, required: true },
    /** The UTC day the figures belong to. */
    day: { type: String, required: true },
    /** Minute documents only: the start of the minute. The TTL index (`ensureRetention`) expires them on it. */
    minute_start: { type: Date, default: undefined },
    /** Time of the latest change counted in the document. */
    updated_at: { type: Date },
    queue: { type: Schema.Types.Mixed, default: undefined },
  },
  { ...BASE_SCHEMA_OPTIONS, _id: false, strict: false, collection: TASK_COUNTERS_COLLECTION },
);

export function taskCountersModel(conn: Connection) {
  return conn.model('TaskCounters', taskCountersSchema, TASK_COUNTERS_COLLECTION);
}
export type TaskCountersModel = ReturnType<typeof taskCountersModel>;
