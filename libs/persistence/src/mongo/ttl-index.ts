import type { Collection } from 'mongoose';

/** Name of the TTL index on `field`; fixed, so a changed lifetime updates the same index. */
export const ttlIndexName = (field: string): string => `${field}_ttl`;

/**
 * Makes `field` expire documents after `seconds`; returns whether the server
 * took the TTL index. Creating an existing index with another lifetime is an
 * IndexOptionsConflict, so in that case the lifetime is changed in place with
 * collMod. FerretDB v1 refuses the option ("not implemented"): that is not an
 * error here (`false`), since the periodic purge covers those servers.
 */
export async function ensureTtlIndex(collection: Collection, field: string, seconds: number): Promise<boolean> {
  const name = ttlIndexName(field);
  try {
    await collection.createIndex({ [field]: 1 }, { name, expireAfterSeconds: seconds });
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // 238 NotImplemented (FerretDB v1).
    if (code === 238 || /not implemented/i.test((err as Error).message ?? '')) return false;
    // 85 IndexOptionsConflict, 86 IndexKeySpecsConflict: the index exists with other options.
    if (code !== 85 && code !== 86) throw err;
    try {
      await collection.db.command({ collMod: collection.collectionName, index: { name, expireAfterSeconds: seconds } });
    } catch {
      // Left as it was; the purge still applies the configured retention.
    }
    return true;
  }
}
