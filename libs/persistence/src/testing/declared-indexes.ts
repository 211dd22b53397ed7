/**
 * The indexes this lib declares, by collection: each model's schema indexes (what
 * `MongoStore.ensureIndexes()` creates), the implied `_id`, and the TTL indexes created in code
 * (`ensureRetention`, `ensureIdempotencyKeyTtlIndex`), whose options depend on configuration or on
 * the server. index-coverage.int.spec.ts checks this list against what the server really holds.
 */
import mongoose from 'mongoose';

import { createModels } from '../models/models';
import { ttlIndexName } from '../mongo/ttl-index';
import { ID_INDEX, type IndexCatalog, type IndexSpec } from './index-coverage';

/** Created by code rather than declared on a schema: collection → indexed field (ascending). */
export const CODE_CREATED_INDEXES: Readonly<Record<string, { field: string; name: string }>> = {
  // MongoStore.ensureRetention: task events, the history's minute counters and the streams' events
  // expire (TTL; FerretDB refuses it).
  logs: { field: 'timestamp', name: ttlIndexName('timestamp') },
  task_counters: { field: 'minute_start', name: ttlIndexName('minute_start') },
  task_stream_events: { field: 'timestamp', name: ttlIndexName('timestamp') },
  // ensureIdempotencyKeyTtlIndex (from ensureIndexes): TTL, or a plain `expires_at_1` where TTL is refused.
  idempotency_keys: { field: 'expires_at', name: ttlIndexName('expires_at') },
};

const defaultName = (keys: IndexSpec['keys']): string => keys.map(([f, d]) => `${f}_${d}`).join('_');

/**
 * The declared indexes. With `created`, an index made in code (CODE_CREATED_INDEXES) counts only
 * when `created(collection)` names it: in a database where `ensureRetention` never ran (the api's,
 * or a spec's that only called `ensureIndexes`), the TTL indexes do not exist.
 */
export function declaredIndexes(options: { created?: (collection: string) => ReadonlySet<string> | undefined } = {}): IndexCatalog {
  const conn = mongoose.createConnection();
  try {
    const catalog: IndexCatalog = {};
    for (const model of Object.values(createModels(conn))) {
      const collection = model.collection.collectionName;
      const specs: IndexSpec[] = [ID_INDEX];
      for (const [fields, options] of model.schema.indexes()) {
        const keys = Object.entries(fields) as IndexSpec['keys'];
        specs.push({ name: typeof options?.name === 'string' ? options.name : defaultName(keys), keys, unique: options?.unique === true });
      }
      const extra = CODE_CREATED_INDEXES[collection];
      if (extra && (!options.created || options.created(collection)?.has(extra.name))) specs.push({ name: extra.name, keys: [[extra.field, 1]], unique: false });
      catalog[collection] = specs;
    }
    return catalog;
  } finally {
    void conn.close();
  }
}
