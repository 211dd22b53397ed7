import { Schema, type Connection } from 'mongoose';

import { ensureTtlIndex } from '../mongo/ttl-index';
import { BASE_SCHEMA_OPTIONS } from './shared.schemas';

export const IDEMPOTENCY_KEYS_COLLECTION = 'idempotency_keys';

/**
 * One `Idempotency-Key` of `POST /v1/agent/execute`: which task it created and
 * the body it was sent with. Only hashes are stored, never the key itself.
 */
export const idempotencyKeySchema = new Schema(
  {
    /** sha256 of the key's scope (API key id, or global) and the key. */
    key_hash: { type: String, required: true },
    /** sha256 of the canonical JSON of the validated request body. */
    body_hash: { type: String, required: true },
    task_id: { type: String, required: true },
    created_at: { type: Date, required: true },
    expires_at: { type: Date, required: true },
  },
  { ...BASE_SCHEMA_OPTIONS, collection: IDEMPOTENCY_KEYS_COLLECTION },
);

// The unique index is what makes a key reserve exactly one task under concurrency.
idempotencyKeySchema.index({ key_hash: 1 }, { unique: true });

/**
 * The index on expires_at: a TTL index, so MongoDB deletes expired keys by itself. FerretDB v1
 * refuses TTL indexes ("not implemented"); there it is a plain index that `purgeExpired` walks.
 * Either way reads filter on expires_at, so an expired key never counts. Declared here rather
 * than on the schema because the options depend on the server.
 */
export async function ensureIdempotencyKeyTtlIndex(model: IdempotencyKeyModel): Promise<void> {
  // expireAfterSeconds 0: each document goes at its own expires_at.
  if (!(await ensureTtlIndex(model.collection, 'expires_at', 0))) await model.collection.createIndex({ expires_at: 1 }, { name: 'expires_at_1' });
}

export function idempotencyKeyModel(conn: Connection) {
  return conn.model('IdempotencyKey', idempotencyKeySchema, IDEMPOTENCY_KEYS_COLLECTION);
}
export type IdempotencyKeyModel = ReturnType<typeof idempotencyKeyModel>;
