import { WEBHOOK_DELIVERY_STATES, ValidationError, type WebhookAttempt, type WebhookDelivery, type WebhookDeliveryState } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { DuplicateKeyError, guard, type ErrorContext } from '../errors';
import { WEBHOOK_DELIVERIES_COLLECTION, type WebhookDeliveryModel } from '../models/webhook-delivery.model';
import { MAX_WEBHOOK_DELIVERIES, type WebhookDeliveryMove, type WebhookDeliveryRepository } from '../repositories';
import { dateArg, idArg, limitArg } from './guards';
import { dateOrNull, strOrNull } from './documents';

function stateArg(value: unknown): WebhookDeliveryState {
  if (!(WEBHOOK_DELIVERY_STATES as readonly unknown[]).includes(value))
    throw new ValidationError('state must be a webhook delivery state', [{ field: 'state', message: `got ${String(value)}` }]);
  return value as WebhookDeliveryState;
}

function attemptDoc(a: WebhookAttempt) {
  const status = a?.status_code;
  if (status !== null && (typeof status !== 'number' || !Number.isInteger(status)))
    throw new ValidationError('status_code must be an integer or null', [{ field: 'status_code', message: `got ${String(status)}` }]);
  const duration = a.duration_ms;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0)
    throw new ValidationError('duration_ms must be a non-negative number', [{ field: 'duration_ms', message: `got ${String(duration)}` }]);
  return {
    at: dateArg(a.at, 'attempt.at'),
    status_code: status,
    duration_ms: Math.round(duration),
    error: strOrNull(a.error, 'attempt.error'),
    response_prefix: strOrNull(a.response_prefix, 'attempt.response_prefix'),
  };
}

const isUniqueViolation = (err: unknown): boolean =>
  err instanceof DuplicateKeyError || /UNIQUE constraint|duplicate key/i.test(String((err as { message?: unknown })?.message ?? ''));

function toAttempt(value: unknown): WebhookAttempt {
  const d = (value ?? {}) as Record<string, unknown>;
  return {
    at: d['at'] instanceof Date ? d['at'] : new Date(String(d['at'])),
    status_code: typeof d['status_code'] === 'number' ? d['status_code'] : null,
    duration_ms: typeof d['duration_ms'] === 'number' ? d['duration_ms'] : 0,
    error: typeof d['error'] === 'string' ? d['error'] : null,
    response_prefix: typeof d['response_prefix'] === 'string' ? d['response_prefix'] : null,
  };
}

export function toWebhookDelivery(value: unknown): WebhookDelivery {
  const d = value as Record<string, unknown>;
  const event = String(d['event']);
  const state = String(d['state']);
  return {
    webhook_id: String(d['_id']),
    task_id: String(d['task_id']),
    event: (event === 'task.failed' || event === 'task.cancelled' ? event : 'task.completed') as WebhookDelivery['event'],
    url: String(d['url']),
    api_key_id: typeof d['api_key_id'] === 'string' ? d['api_key_id'] : null,
    body: String(d['body'] ?? ''),
    state: (WEBHOOK_DELIVERY_STATES as readonly string[]).includes(state) ? (state as WebhookDeliveryState) : 'failed',
    created_at: d['created_at'] as Date,
    updated_at: d['updated_at'] as Date,
    next_attempt_at: d['next_attempt_at'] instanceof Date ? d['next_attempt_at'] : null,
    attempts: Array.isArray(d['attempts']) ? d['attempts'].map(toAttempt) : [],
  };
}

export class MongoWebhookDeliveryRepository implements WebhookDeliveryRepository {
  constructor(
    private readonly model: WebhookDeliveryModel,
    private readonly ctx: ErrorContext,
  ) {}

  async create(delivery: WebhookDelivery): Promise<boolean> {
    const webhook_id = idArg(delivery?.webhook_id, 'webhook_id');
    const doc = {
      _id: webhook_id,
      task_id: idArg(delivery.task_id, 'task_id'),
      event: idArg(delivery.event, 'event'),
      url: idArg(delivery.url, 'url'),
      api_key_id: strOrNull(delivery.api_key_id, 'api_key_id'),
      body: idArg(delivery.body, 'body'),
      state: stateArg(delivery.state),
      created_at: dateArg(delivery.created_at, 'created_at'),
      updated_at: dateArg(delivery.updated_at, 'updated_at'),
      next_attempt_at: dateOrNull(delivery.next_attempt_at, 'next_attempt_at'),
      attempt_count: (delivery.attempts ?? []).length,
      attempts: (delivery.attempts ?? []).map(attemptDoc),
    };
    try {
      await guard(WEBHOOK_DELIVERIES_COLLECTION, this.ctx, async () => {
        await this.model.collection.insertOne(doc as never);
      });
      return true;
    } catch (err) {
      // The same ending recorded twice (a redone move, the api and a worker): the first one stands.
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async findById(webhookId: string): Promise<WebhookDelivery | null> {
    const _id = idArg(webhookId, 'webhookId');
    return guard(WEBHOOK_DELIVERIES_COLLECTION, this.ctx, async () => {
      const found = await this.model.collection.findOne({ _id } as never);
      return found ? toWebhookDelivery(found) : null;
    });
  }

  async listByTask(taskId: string): Promise<WebhookDelivery[]> {
    const task_id = idArg(taskId, 'taskId');
    return guard(WEBHOOK_DELIVERIES_COLLECTION, this.ctx, async () => {
      const docs = await this.model.find({ task_id }).sort({ task_id: 1, created_at: 1 }).limit(MAX_WEBHOOK_DELIVERIES).lean();
      return docs.map(toWebhookDelivery);
    });
  }

  async recordAttempt(
    webhookId: string,
    attemptsBefore: number,
    attempt: WebhookAttempt,
    move: WebhookDeliveryMove,
    now: Date,
  ): Promise<WebhookDelivery | null> {
    const _id = idArg(webhookId, 'webhookId');
    const before = limitArg(attemptsBefore, 'attemptsBefore');
    const at = dateArg(now, 'now');
    const state = stateArg(move?.state);
    const next = state === 'pending' ? dateArg(move.next_attempt_at, 'next_attempt_at') : null;
    const pushed = attemptDoc(attempt);
    return guard(WEBHOOK_DELIVERIES_COLLECTION, this.ctx, async () => {
      // Only from the state the caller read: a second runner of the same attempt records nothing.
      const updated = await this.model.collection.findOneAndUpdate(
        { _id, state: 'pending', attempt_count: before } as never,
        { $push: { attempts: pushed }, $set: { state, next_attempt_at: next, updated_at: at, attempt_count: before + 1 } } as never,
        { returnDocument: 'after' },
      );
      return updated ? toWebhookDelivery(updated) : null;
    });
  }

  async listDue(dueBy: Date, limit: number): Promise<WebhookDelivery[]> {
    const at = dateArg(dueBy, 'dueBy');
    const n = limitArg(limit);
    return guard(WEBHOOK_DELIVERIES_COLLECTION, this.ctx, async () => {
      const docs = await this.model
        .find({ state: 'pending', next_attempt_at: mongoose.trusted({ $lte: at }) })
        .sort({ state: 1, next_attempt_at: 1 })
        .limit(n)
        .lean();
      return docs.map(toWebhookDelivery);
    });
  }
}
