import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { guard, isDuplicateKey, type ErrorContext } from '../errors';
import { IDEMPOTENCY_KEYS_COLLECTION, type IdempotencyKeyModel } from '../models/idempotency-key.model';
import type { IdempotencyKeyRepository, IdempotencyRecord, IdempotencyReservation } from '../repositories';
import { dateArg, idArg } from './guards';

/** Enough for an expired holder to be replaced, or a released one to be re-inserted, a few times over. */
const MAX_RESERVE_ROUNDS = 5;

/** FerretDB v1 reports some unique-index violations as code 1 "UNIQUE constraint" rather than 11000. */
function isUniqueViolation(err: unknown): boolean {
  if (isDuplicateKey(err)) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  return typeof e === 'object' && e !== null && typeof e.message === 'string' && /UNIQUE constraint/i.test(e.message);
}

function toRecord(value: Record<string, unknown>): IdempotencyRecord {
  return {
    key_hash: String(value['key_hash']),
    body_hash: String(value['body_hash']),
    task_id: String(value['task_id']),
    created_at: value['created_at'] as Date,
    expires_at: value['expires_at'] as Date,
  };
}

export class MongoIdempotencyKeyRepository implements IdempotencyKeyRepository {
  constructor(
    private readonly model: IdempotencyKeyModel,
    private readonly ctx: ErrorContext,
  ) {}

  async reserve(record: IdempotencyRecord, now: Date): Promise<IdempotencyReservation> {
    const at = dateArg(now, 'now');
    const row = {
      key_hash: idArg(record?.key_hash, 'key_hash'),
      body_hash: idArg(record.body_hash, 'body_hash'),
      task_id: idArg(record.task_id, 'task_id'),
      created_at: dateArg(record.created_at, 'created_at'),
      expires_at: dateArg(record.expires_at, 'expires_at'),
    };
    return guard(IDEMPOTENCY_KEYS_COLLECTION, this.ctx, async () => {
      for (let round = 0; round < MAX_RESERVE_ROUNDS; round++) {
        try {
          await this.model.create(row);
          return { reserved: true };
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
        }
        const holder = await this.model.findOne({ key_hash: row.key_hash }).lean();
        if (!holder) continue; // released between our insert and this read: try again
        const existing = toRecord(holder as unknown as Record<string, unknown>);
        if (existing.expires_at.getTime() > at.getTime()) return { reserved: false, existing };
        // Expired but not yet removed (FerretDB never expires; MongoDB's TTL monitor runs once a
        // minute): remove exactly that holder, then compete for the key again.
        await this.model.deleteOne({ key_hash: row.key_hash, task_id: existing.task_id, expires_at: mongoose.trusted({ $lte: at }) });
      }
      throw new OrchestratorError(ErrorType.INTERNAL_ERROR, `Could not reserve an idempotency key after ${MAX_RESERVE_ROUNDS} rounds`);
    });
  }

  async find(keyHash: string, now: Date): Promise<IdempotencyRecord | null> {
    const key_hash = idArg(keyHash, 'keyHash');
    const at = dateArg(now, 'now');
    return guard(IDEMPOTENCY_KEYS_COLLECTION, this.ctx, async () => {
      const found = await this.model.findOne({ key_hash, expires_at: mongoose.trusted({ $gt: at }) }).lean();
      return found ? toRecord(found as unknown as Record<string, unknown>) : null;
    });
  }

  async release(keyHash: string, taskId: string): Promise<boolean> {
    const key_hash = idArg(keyHash, 'keyHash');
    const task_id = idArg(taskId, 'taskId');
    return guard(IDEMPOTENCY_KEYS_COLLECTION, this.ctx, async () => {
      const { deletedCount } = await this.model.deleteOne({ key_hash, task_id });
      return deletedCount > 0;
    });
  }

  async purgeExpired(now: Date): Promise<number> {
    const at = dateArg(now, 'now');
    return guard(IDEMPOTENCY_KEYS_COLLECTION, this.ctx, async () => {
      const { deletedCount } = await this.model.deleteMany({ expires_at: mongoose.trusted({ $lte: at }) });
      return deletedCount;
    });
  }
}
