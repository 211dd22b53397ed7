/**
 * The webhook outbox (`webhook_deliveries`): one document per task ending to announce to a
 * callback URL, `_id` = its stable `webhook-id`. Written when the task ends, before anything is
 * sent, so a crash anywhere after it loses nothing: the worker's sweep finds pending deliveries that
 * are due and gives them a job again. Each attempt is appended to `attempts`.
 */
import { Schema, type Connection } from 'mongoose';

import { WEBHOOK_DELIVERY_STATES } from '@agent-orchestrator/domain';
import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const WEBHOOK_DELIVERIES_COLLECTION = 'webhook_deliveries';

const attemptSchema = new Schema(
  {
    at: { type: Date, required: true },
    status_code: { type: Number, default: null },
    duration_ms: { type: Number, required: true, min: 0 },
    error: { type: String, default: null },
    response_prefix: { type: String, default: null },
  },
  { _id: false, id: false },
);

export const webhookDeliverySchema = new Schema(
  {
    /** The `webhook-id` (webhookIdOf: the task id and its ending number). */
    _id: { type: String, required: true },
    task_id: { type: String, required: true },
    event: { type: String, required: true },
    url: { type: String, required: true },
    api_key_id: { type: String, default: null },
    /** The exact JSON body every attempt sends (and signs). */
    body: { type: String, required: true },
    state: { type: String, enum: WEBHOOK_DELIVERY_STATES, required: true },
    created_at: { type: Date, required: true },
    updated_at: { type: Date, required: true },
    next_attempt_at: { type: Date, default: null },
    /** `attempts.length`, kept as a field so recording an attempt is one conditional update. */
    attempt_count: { type: Number, required: true, default: 0, min: 0 },
    attempts: { type: [attemptSchema], default: [] },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: WEBHOOK_DELIVERIES_COLLECTION },
);

// GET /v1/tasks/{task_id}/webhooks: one task's deliveries, oldest first.
webhookDeliverySchema.index({ task_id: 1, created_at: 1 });
// The sweep: pending deliveries due by now, soonest first.
webhookDeliverySchema.index({ state: 1, next_attempt_at: 1 });

export function webhookDeliveryModel(conn: Connection) {
  return conn.model('WebhookDelivery', webhookDeliverySchema, WEBHOOK_DELIVERIES_COLLECTION);
}
export type WebhookDeliveryModel = ReturnType<typeof webhookDeliveryModel>;
