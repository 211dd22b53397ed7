/**
 * Periodic snapshots of the figures of GET /v1/system/metrics (architecture
 * §7.2), written by the worker, read by GET /v1/system/metrics/history.
 */
import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const SYSTEM_METRICS_COLLECTION = 'system_metrics';

const count = { type: Number, default: 0, min: 0 } as const;
const SUB = { _id: false, id: false, strict: true, minimize: false } as const;

const usageTotals = { prompt_tokens: count, completion_tokens: count, total_tokens: count, cost_usd: count } as const;
const usageSchema = new Schema(
  {
    ...usageTotals,
    by_agent: { type: [new Schema({ agent_name: { type: String, required: true }, ...usageTotals }, SUB)], default: [] },
    by_model: { type: [new Schema({ model: { type: String, required: true }, ...usageTotals }, SUB)], default: [] },
  },
  SUB,
);
const queueSchema = new Schema({ waiting: count, active: count, delayed: count, failed: count, completed: count, paused: count }, SUB);

export const systemMetricsSchema = new Schema(
  {
    /** Start of the snapshot interval: unique, so one snapshot per interval whatever the number of workers. */
    interval_start: { type: Date, required: true },
    taken_at: { type: Date, required: true },
    queue_length: { type: Number, default: null },
    queue: { type: queueSchema, default: null },
    tasks_by_status: {
      type: new Schema({ queued: count, processing: count, completed: count, failed: count, cancelled: count }, { _id: false, id: false, strict: true }),
      default: null,
    },
    tasks_by_agent: {
      type: [new Schema({ agent_name: { type: String, required: true }, agent_type: { type: String, default: null }, count }, { _id: false, id: false, strict: true })],
      // Read as null when tasks_by_status is null (the day's figures could not be read).
      default: [],
    },
    latency_count: { type: Number, default: null },
    avg_latency_ms: { type: Number, default: null },
    p95_latency_ms: { type: Number, default: null },
    usage: { type: usageSchema, default: null },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: SYSTEM_METRICS_COLLECTION },
);

systemMetricsSchema.index({ taken_at: -1 });
systemMetricsSchema.index({ interval_start: 1 }, { unique: true });

export function systemMetricsModel(conn: Connection) {
  return conn.model('SystemMetrics', systemMetricsSchema, SYSTEM_METRICS_COLLECTION);
}
export type SystemMetricsModel = ReturnType<typeof systemMetricsModel>;
