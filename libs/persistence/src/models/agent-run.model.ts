import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS, modelUsageSchema, taskErrorSchema } from './shared.schemas';

export const AGENT_RUNS_COLLECTION = 'agent_runs';

export const agentRunSchema = new Schema(
  {
    run_id: { type: String, required: true },
    task_id: { type: String, required: true },
    session_id: { type: String, required: true },
    kind: { type: String, enum: ['router', 'agent'], required: true },
    agent_name: { type: String, required: true },
    agent_version: { type: String, default: '' },
    model: { type: String, default: null },
    attempt: { type: Number, required: true, min: 0 },
    input: { type: String, default: '' },
    output: { type: String, default: null },
    outcome: { type: String, enum: ['success', 'failure'], required: true },
    error: { type: taskErrorSchema, default: null },
    usage: { type: [modelUsageSchema], default: [] },
    prompt_tokens: { type: Number, required: true, min: 0 },
    completion_tokens: { type: Number, required: true, min: 0 },
    total_tokens: { type: Number, required: true, min: 0 },
    cost_usd: { type: Number, default: null, min: 0 }, // null: unknown (a model without a price)
    started_at: { type: Date, required: true },
    finished_at: { type: Date, required: true },
    duration_ms: { type: Number, required: true, min: 0 },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: AGENT_RUNS_COLLECTION },
);

agentRunSchema.index({ task_id: 1, started_at: 1 });
agentRunSchema.index({ run_id: 1 }, { unique: true });
// Today's tokens and cost (GET /v1/system/metrics usage_today): one range of the day's finished runs.
agentRunSchema.index({ finished_at: 1 });

export function agentRunModel(conn: Connection) {
  return conn.model('AgentRun', agentRunSchema, AGENT_RUNS_COLLECTION);
}
export type AgentRunModel = ReturnType<typeof agentRunModel>;
