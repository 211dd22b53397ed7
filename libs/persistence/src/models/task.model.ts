import { TASK_STATUSES, TASK_STEPS } from '@agent-orchestrator/domain';
import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS, citationSchema, modelUsageSchema, taskErrorSchema, taskUsageSchema } from './shared.schemas';

export const TASKS_COLLECTION = 'tasks';

const nullableString = { type: String, default: null } as const;

const taskMetadataSchema = new Schema(
  {
    ip: nullableString,
    user_agent: nullableString,
    request_id: { type: String, default: '' },
    environment: { type: String, default: '' },
    // Id (never the secret) of the API key that submitted the task; absent when the API runs open.
    api_key_id: { type: String, required: false },
  },
  { _id: false, id: false, strict: true, minimize: false },
);

/** A failure a client retried; see TaskRetry in libs/domain. */
const taskRetrySchema = new Schema(
  {
    error: { type: taskErrorSchema, default: null },
    failed_at: { type: Date, default: null },
    retried_at: { type: Date, required: true },
    attempts: { type: Number, required: true, min: 0 },
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

const taskBudgetSchema = new Schema(
  {
    max_tokens: { type: Number, default: null, min: 1 },
    max_cost_usd: { type: Number, default: null, min: 0 },
  },
  { _id: false, id: false, strict: true, minimize: false },
);

const SUB = { _id: false, id: false, strict: true, minimize: false } as const;

/** The router's decision as checkpointed; see RouteCheckpoint in libs/domain. */
const routeCheckpointSchema = new Schema(
  {
    decision: {
      type: new Schema(
        {
          status: { type: String, enum: ['routed', 'unroutable'], required: true },
          agent_name: { type: String, default: '' },
          confidence: { type: Number, default: 0 },
          reasoning: { type: String, default: '' },
        },
        SUB,
      ),
      required: true,
    },
    model: nullableString,
    usage: { type: [modelUsageSchema], default: [] },
    finished_at: { type: Date, required: true },
  },
  SUB,
);

/** The agent's output as checkpointed; see AgentCheckpoint in libs/domain. */
const agentCheckpointSchema = new Schema(
  {
    agent_name: { type: String, required: true },
    agent_version: { type: String, default: '' },
    model: nullableString,
    output: {
      type: new Schema(
        {
          agent_name: { type: String, default: '' },
          content: { type: String, default: '' },
          code_language: nullableString,
          citations: { type: [citationSchema], default: [] },
          summary: nullableString,
        },
        SUB,
      ),
      required: true,
    },
    usage: { type: [modelUsageSchema], default: [] },
    finished_at: { type: Date, required: true },
  },
  SUB,
);

const taskCheckpointsSchema = new Schema(
  {
    route: { type: routeCheckpointSchema, default: null },
    agent: { type: agentCheckpointSchema, default: null },
  },
  SUB,
);

export const taskSchema = new Schema(
  {
    /** The task id: tasks are looked up, and their status moved, by primary key (issue 11). */
    _id: { type: String },
    task_id: { type: String, required: true },
    /** Owner (issue 14). Tasks stored before tenants lack it and read as the default tenant's (libs/persistence/README.md). */
    tenant_id: { type: String, default: 'default' },
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
    // Set by POST /v1/tasks/{id}/cancel on a processing task; the worker aborts it at its next step.
    cancel_requested_at: { type: Date, default: null },
    // Client-set spending limits; absent on tasks stored before budgets existed (read as null).
    budget: { type: taskBudgetSchema, default: null },
    // Added with POST /v1/tasks/{id}/retry: older tasks lack it (read as []).
    retries: { type: [taskRetrySchema], default: [] },
    // Durable steps: what each finished step produced, for a later attempt to resume from. Added
    // after the first release: older tasks lack both (read as no checkpoints, nothing reused).
    checkpoints: { type: taskCheckpointsSchema, default: () => ({ route: null, agent: null }) },
    reused_steps: { type: [{ type: String, enum: TASK_STEPS }], default: [] },
    // Where the final task is POSTed (webhooks on completion); added later: older tasks lack it (read as null).
    callback_url: nullableString,
    // Storage-only metrics fields, set together when a task reaches a terminal
    // status (see MongoTaskRepository.complete/fail); not part of the domain Task.
    /** queued_at → completed_at in ms. */
    latency_ms: { type: Number, default: null, min: 0 },
    /** UTC day (`YYYY-MM-DD`) of completed_at: equality on it bounds a day's latency queries to one index range. */
    finished_day: { type: String, default: null },
    /**
     * The webhook marker (storage only): the time of an ending whose webhook delivery is not recorded
     * yet. Set in the ending's own update when the task has a callback URL, removed ($unset, never
     * null: the sparse index holds only marked tasks) once `webhook_deliveries` has the delivery.
     */
    webhook_pending_at: { type: Date },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: TASKS_COLLECTION },
);

taskSchema.index({ task_id: 1 }, { unique: true });
// Listing newest first (GET /v1/tasks), unfiltered or by status / agent / session. The trailing
// task_id is the keyset tie-break, so a page is one index range walk with no in-memory sort.
// (Databases created before it also hold the same indexes without task_id; they are redundant and
// can be dropped by hand: ensureIndexes never drops anything.)
taskSchema.index({ created_at: -1, task_id: -1 });
taskSchema.index({ status: 1, created_at: -1, task_id: -1 });
taskSchema.index({ agent_type: 1, created_at: -1, task_id: -1 });
taskSchema.index({ session_id: 1, created_at: -1, task_id: -1 });
// The same lists within one tenant (every GET /v1/tasks filters by the caller's tenant), and the
// router's fallback read of a session's earlier tasks. Also the tenant's tasks in flight: a count
// over {tenant_id, status ∈ queued|processing}, bounded by the status index and stopped at the cap.
taskSchema.index({ tenant_id: 1, created_at: -1, task_id: -1 });
taskSchema.index({ tenant_id: 1, status: 1, created_at: -1, task_id: -1 });
taskSchema.index({ tenant_id: 1, agent_type: 1, created_at: -1, task_id: -1 });
taskSchema.index({ tenant_id: 1, session_id: 1, created_at: -1, task_id: -1 });
// Today's counts by status and agent (GET /v1/system/metrics): a covered scan of today's range.
taskSchema.index({ created_at: -1, status: 1, selected_agent: 1, agent_type: 1 });
// Today's latency count, sum and p95: a covered scan of one day, walked from the slow end for p95.
taskSchema.index({ finished_day: 1, latency_ms: 1 });
// The worker's reconciler: queued or processing tasks waiting since before a cutoff, oldest first,
// walked by keyset (queued_at, task_id) so a pass is one bounded index range per status.
taskSchema.index({ status: 1, queued_at: 1, task_id: 1 });
// The webhook sweep: tasks whose ending's delivery is not recorded yet (WebhookSweep). Sparse, so it
// holds only the few marked tasks (FerretDB v1 ignores the option and indexes every task).
taskSchema.index({ webhook_pending_at: 1 }, { sparse: true });

export function taskModel(conn: Connection) {
  return conn.model('Task', taskSchema, TASKS_COLLECTION);
}
export type TaskModel = ReturnType<typeof taskModel>;
