// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { randomUUID } from 'node:crypto';

import type { IdempotencyKeyRepository, IdempotencyRecord } from '../repositories';
import { useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();
let keys: IdempotencyKeyRepository;

beforeAll(() => {
  keys = db.store.repositories.idempotencyKeys;
});

const HOUR = 3_600_000;
const T0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function record(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return { key_hash: randomUUID(), body_hash: 'body-a', task_id: randomUUID(), created_at: T0, expires_at: at(24 * HOUR), ...overrides };
}

describe('MongoIdempotencyKeyRepository', () => {
  it('reserves a new key, then reports the holder to the next caller', async () => {
    const first = record();
    expect(await keys.reserve(first, T0)).toEqual({ reserved: true });
    const second = record({ key_hash: first.key_hash, body_hash: 'body-b' });
    expect(await keys.reserve(second, at(1000))).toEqual({ reserved: false, existing: first });
    expect(await keys.find(first.key_hash, at(1000))).toEqual(first);
  });

  it('lets exactly one of ten concurrent reservations of a key win', async () => {
    const key_hash = randomUUID();
    const attempts = Array.from({ length: 10 }, () => record({ key_hash }));
    const outcomes = await Promise.all(attempts.map((r) => keys.reserve(r, T0)));
    const winners = outcomes.filter((o) => o.reserved);
    expect(winners).toHaveLength(1);
    const holder = await keys.find(key_hash, T0);
    for (const o of outcomes) if (!o.reserved) expect(o.existing).toEqual(holder);
    expect(await db.raw.collection('idempotency_keys').countDocuments({ key_hash })).toBe(1);
  });

  it('treats an expired record as absent even though FerretDB keeps it, and replaces it on reserve', async () => {
    const old = record({ expires_at: at(HOUR) });
    await keys.reserve(old, T0);
    expect(await keys.find(old.key_hash, at(HOUR))).toBeNull();
    const fresh = record({ key_hash: old.key_hash, created_at: at(2 * HOUR), expires_at: at(26 * HOUR) });
    expect(await keys.reserve(fresh, at(2 * HOUR))).toEqual({ reserved: true });
    expect(await keys.find(old.key_hash, at(2 * HOUR))).toEqual(fresh);
  });

  it('releases a key only for the task that holds it', async () => {
    const r = record();
    await keys.reserve(r, T0);
    expect(await keys.release(r.key_hash, randomUUID())).toBe(false);
    expect(await keys.find(r.key_hash, T0)).toEqual(r);
    expect(await keys.release(r.key_hash, r.task_id)).toBe(true);
    expect(await keys.find(r.key_hash, T0)).toBeNull();
    expect(await keys.reserve(record({ key_hash: r.key_hash }), T0)).toEqual({ reserved: true });
  });

  it('purges expired records and keeps live ones', async () => {
    const expired = record({ created_at: at(-48 * HOUR), expires_at: at(-24 * HOUR) });
    const live = record();
    await keys.reserve(expired, at(-48 * HOUR));
    await keys.reserve(live, T0);
    expect(await keys.purgeExpired(T0)).toBeGreaterThanOrEqual(1);
    expect(await db.raw.collection('idempotency_keys').countDocuments({ key_hash: expired.key_hash })).toBe(0);
    expect(await keys.find(live.key_hash, T0)).toEqual(live);
  });

  it('has a unique index on key_hash and a TTL index on expires_at', async () => {
    const indexes = await db.raw.collection('idempotency_keys').indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { key_hash: 1 }, unique: true }));
    expect(indexes.some((i) => JSON.stringify(i.key) === '{"expires_at":1}')).toBe(true);
  });

  it('refuses operator objects where hashes belong', async () => {
    await expect(keys.find({ $ne: '' } as unknown as string, T0)).rejects.toMatchObject({ type: 'VALIDATION_ERROR' });
    await expect(keys.release({ $gt: '' } as unknown as string, 'x')).rejects.toMatchObject({ type: 'VALIDATION_ERROR' });
  });
});
