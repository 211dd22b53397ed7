/**
 * The numbered events of each task's live progress stream (GET /v1/tasks/{task_id}/stream): the
 * durable history a stream is served from and resumed against, whatever LOG_TO_MONGO says.
 * `_id` is `<task_id>:<seq, 10 digits>`, so two writers can never both store the same number of
 * one task (the second insert is a duplicate key and takes the next number); reads are one range
 * of the `{task_id, seq}` index. Expired by a TTL index on `timestamp` (MongoStore.ensureRetention)
 * and by the worker's periodic purge where TTL has no effect (FerretDB).
 */
import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const TASK_STREAM_COLLECTION = 'task_stream_events';

/** The document key of one event: sortable as a string within a task. */
export const streamEventKey = (taskId: string, seq: number): string => `${taskId}:${String(seq).padStart(10, '0')}`;

export const taskStreamSchema = new Schema(
  {
    _id: { type: String, required: true },
    task_id: { type: String, required: true },
    seq: { type: Number, required: true, min: 1 },
    event: { type: String, required: true },
    timestamp: { type: Date, required: true },
    agent_name: { type: String, default: null },
    data: { type: Schema.Types.Mixed, default: {} },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: TASK_STREAM_COLLECTION },
);

taskStreamSchema.index({ task_id: 1, seq: 1 }, { unique: true });

export function taskStreamModel(conn: Connection) {
  return conn.model('TaskStreamEvent', taskStreamSchema, TASK_STREAM_COLLECTION);
}
export type TaskStreamModel = ReturnType<typeof taskStreamModel>;
