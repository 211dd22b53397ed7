import type { Connection } from 'mongoose';

import { agentRunModel } from './agent-run.model';
import { ensureIdempotencyKeyTtlIndex, idempotencyKeyModel } from './idempotency-key.model';
import { logModel } from './log.model';
import { messageModel } from './message.model';
import { sessionModel } from './session.model';
import { taskCountersModel } from './task-counters.model';
import { taskModel } from './task.model';
import { taskStreamModel } from './task-stream.model';
import { webhookDeliveryModel } from './webhook-delivery.model';

/** Registers every model on `conn` (a dedicated connection, never mongoose's default one). */
export function createModels(conn: Connection) {
  return {
    tasks: taskModel(conn),
    agentRuns: agentRunModel(conn),
    messages: messageModel(conn),
    sessions: sessionModel(conn),
    logs: logModel(conn),
    idempotencyKeys: idempotencyKeyModel(conn),
    taskStream: taskStreamModel(conn),
    taskCounters: taskCountersModel(conn),
    webhookDeliveries: webhookDeliveryModel(conn),
  };
}
export type Models = ReturnType<typeof createModels>;

/**
 * Creates the collections' declared indexes. Additive and idempotent: existing
 * indexes are left alone (no syncIndexes, which would drop indexes made by
 * hand in production). One model at a time, because FerretDB serialises DDL.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models)) {
    await model.createIndexes();
  }
  await ensureIdempotencyKeyTtlIndex(models.idempotencyKeys);
}
