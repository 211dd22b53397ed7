/**
 * Sub-document schemas shared by several collections. They are embedded
 * (`_id: false`), so nested objects come back exactly as the domain types.
 */
import { Schema } from 'mongoose';

/** Options every top-level schema in this lib uses. */
export const BASE_SCHEMA_OPTIONS = {
  versionKey: false,
  strict: true,
  // Unknown fields in a filter are a bug (or an attack), not something to ignore.
  strictQuery: 'throw',
  // Indexes and collections are created by MongoStore.ensureIndexes(), never as a side effect of connecting.
  autoIndex: false,
  autoCreate: false,
  // Fail fast when disconnected instead of queueing operations in memory.
  bufferCommands: false,
  // Keep `{}`-valued fields: the stored shape is the domain shape.
  minimize: false,
  id: false,
  toObject: { versionKey: false, transform: stripId },
  toJSON: { versionKey: false, transform: stripId },
} as const;

function stripId(_doc: unknown, ret: Record<string, unknown>): Record<string, unknown> {
  delete ret['_id'];
  return ret;
}

const SUB = { _id: false, id: false, strict: true, minimize: false } as const;

const nullableString = { type: String, default: null } as const;

export const citationSchema = new Schema(
  {
    source: { type: String, required: true },
    title: nullableString,
    url: nullableString,
  },
  SUB,
);

export const taskErrorSchema = new Schema(
  {
    // `type` is a field here, hence the nested declaration.
    type: { type: String, required: true },
    message: { type: String, default: '' },
  },
  SUB,
);

export const modelUsageSchema = new Schema(
  {
    model: { type: String, required: true },
    prompt_tokens: { type: Number, required: true, min: 0 },
    completion_tokens: { type: Number, required: true, min: 0 },
    total_tokens: { type: Number, required: true, min: 0 },
    // null: unknown (a model without a price), never read as $0.
    cost_usd: { type: Number, default: null, min: 0 },
  },
  SUB,
);

export const taskUsageSchema = new Schema(
  {
    prompt_tokens: { type: Number, required: true, min: 0 },
    completion_tokens: { type: Number, required: true, min: 0 },
    total_tokens: { type: Number, required: true, min: 0 },
    // null: unknown (a model without a price), never read as $0.
    cost_usd: { type: Number, default: null, min: 0 },
    by_model: { type: [modelUsageSchema], default: [] },
  },
  SUB,
);
