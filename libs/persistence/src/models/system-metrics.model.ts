/**
 * Periodic snapshots behind GET /v1/system/metrics (architecture §7.2). No
 * domain type or repository yet; this schema is the storage shape.
 */
import { Schema, type Connection } from 'mongoose';

import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const SYSTEM_METRICS_COLLECTION = 'system_metrics';

const count = { type: Number, default: 0, min: 0 } as const;

export const systemMetricsSchema = new Schema(
  {
    taken_at: { type: Date, required: true },
    queue_length: { type: Number, default: null },
    tasks_by_status: {
      type: new Schema({ queued: count, processing: count, completed: count, failed: count, cancelled: count }, { _id: false, id: false, strict: true }),
      default: () => ({}),
    },
    tasks_by_agent: {
      type: [new Schema({ agent_name: { type: String, required: true }, count }, { _id: false, id: false, strict: true })],
      default: [],
    },
    avg_latency_ms: { type: Number, default: null },
    p95_latency_ms: { type: Number, default: null },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: SYSTEM_METRICS_COLLECTION },
);

systemMetricsSchema.index({ taken_at: -1 });

export function systemMetricsModel(conn: Connection) {
  return conn.model('SystemMetrics', systemMetricsSchema, SYSTEM_METRICS_COLLECTION);
}
export type SystemMetricsModel = ReturnType<typeof systemMetricsModel>;
