import { TASK_STATUSES } from '@agent-orchestrator/domain';
import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS, citationSchema, taskErrorSchema, taskUsageSchema } from './shared.schemas';

export const TASKS_COLLECTION = 'tasks';

const nullableString = { type: String, default: null } as const;

const taskMetadataSchema = new Schema(
  {
    ip: nullableString,
    user_agent: nullableString,
    request_id: { type: String, default: '' },
    environment: { type: String, default: '' },
  },
  { _id: false, id: false, strict: true, minimize: false },
);

const taskResultSchema = new Schema(
  {
    summary: nullableString,
    // Free text may legitimately be empty, so it is defaulted rather than `required`
    // (mongoose's `required` rejects '').
    raw_output: { type: String, default: '' },
    code_language: nullableString,
    citations: { type: [citationSchema], default: [] },
  },
  { _id: false, id: false, strict: true, minimize: false },
);

export const taskSchema = new Schema(
  {
    task_id: { type: String, required: true },
    session_id: { type: String, required: true },
    task: { type: String, default: '' },
    status: { type: String, enum: TASK_STATUSES, required: true },
    created_at: { type: Date, required: true },
    queued_at: { type: Date, required: true },
    started_at: { type: Date, default: null },
    completed_at: { type: Date, default: null },
    updated_at: { type: Date, required: true },
    metadata: { type: taskMetadataSchema, required: true },
    selected_agent: nullableString,
    agent_type: nullableString,
    agent_version: nullableString,
    peer_routing_reason: nullableString,
    confidence: { type: Number, default: null },
    result: { type: taskResultSchema, default: null },
    error: { type: taskErrorSchema, default: null },
    usage: { type: taskUsageSchema, required: true },
    attempts: { type: Number, required: true, default: 0, min: 0 },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: TASKS_COLLECTION },
);

taskSchema.index({ task_id: 1 }, { unique: true });
// Listing by status / agent / session, newest first (GET /v1/tasks filters).
taskSchema.index({ status: 1, created_at: -1 });
taskSchema.index({ agent_type: 1, created_at: -1 });
taskSchema.index({ session_id: 1, created_at: -1 });
taskSchema.index({ created_at: -1 });

export function taskModel(conn: Connection) {
  return conn.model('Task', taskSchema, TASKS_COLLECTION);
}
export type TaskModel = ReturnType<typeof taskModel>;
