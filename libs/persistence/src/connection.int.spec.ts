// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// The "unreachable" cases need no server.
import { inspect } from 'node:util';

import { ConfigError, ErrorType } from '@agent-orchestrator/domain';

import { connectMongo } from './connection';
import { DatabaseUnavailableError } from './errors';
import { requireMongoUri, useTestDatabase } from './testing/mongo-test-env';

describe('connectMongo against a live server', () => {
  const db = useTestDatabase();

  it('pings', async () => {
    expect(await db.store.ping()).toBe(true);
  });

  it('ensureIndexes creates every declared index and is idempotent', async () => {
    await db.store.ensureIndexes(); // second call (openTestDatabase made the first)
    const expected: Record<string, { key: Record<string, number>; unique?: true }[]> = {
      tasks: [
        { key: { task_id: 1 }, unique: true },
        { key: { created_at: -1, task_id: -1 } },
        { key: { status: 1, created_at: -1, task_id: -1 } },
        { key: { agent_type: 1, created_at: -1, task_id: -1 } },
        { key: { session_id: 1, created_at: -1, task_id: -1 } },
        { key: { created_at: -1, status: 1, selected_agent: 1, agent_type: 1 } },
        { key: { finished_day: 1, latency_ms: 1 } },
        { key: { status: 1, queued_at: 1, task_id: 1 } },
        { key: { tenant_id: 1, created_at: -1, task_id: -1 } },
        { key: { tenant_id: 1, status: 1, created_at: -1, task_id: -1 } },
        { key: { tenant_id: 1, agent_type: 1, created_at: -1, task_id: -1 } },
        { key: { tenant_id: 1, session_id: 1, created_at: -1, task_id: -1 } },
        // Sparse on MongoDB (only marked tasks); FerretDB v1 accepts the option and ignores it.
        { key: { webhook_pending_at: 1 } },
      ],
      agent_runs: [{ key: { task_id: 1, started_at: 1 } }, { key: { run_id: 1 }, unique: true }, { key: { finished_at: 1 } }],
      messages: [{ key: { session_id: 1, created_at: 1 } }, { key: { task_id: 1 } }, { key: { message_id: 1 }, unique: true }],
      sessions: [{ key: { session_id: 1 }, unique: true }],
      logs: [{ key: { task_id: 1, timestamp: 1 } }],
    };
    for (const [collection, indexes] of Object.entries(expected)) {
      const listed = await db.raw.collection(collection).listIndexes().toArray();
      const byName = new Map(listed.map((i) => [i['name'] as string, i]));
      expect([...byName.keys()].sort()).toEqual(['_id_', ...indexes.map((i) => indexName(i.key))].sort());
      for (const want of indexes) {
        const got = byName.get(indexName(want.key))!;
        expect([collection, got['key']]).toEqual([collection, want.key]);
        expect([collection, indexName(want.key), Boolean(got['unique'])]).toEqual([collection, indexName(want.key), Boolean(want.unique)]);
        expect(got).not.toHaveProperty('expireAfterSeconds');
      }
    }
  });

  it('close is idempotent and ping then reports false', async () => {
    const store = await connectMongo({ uri: requireMongoUri(), dbName: db.dbName });
    await store.close();
    await store.close();
    expect(await store.ping()).toBe(false);
  });
});

function indexName(key: Record<string, number>): string {
  return Object.entries(key)
    .map(([field, dir]) => `${field}_${dir}`)
    .join('_');
}

describe('connectMongo when MongoDB is unreachable', () => {
  it('rejects quickly with DatabaseUnavailableError naming the host, not the password', async () => {
    const started = Date.now();
    const err = await connectMongo({
      uri: 'mongodb://admin:TopSecretPw@127.0.0.1:1/ao?authSource=admin',
      serverSelectionTimeoutMS: 500,
      connectTimeoutMS: 500,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    const e = err as DatabaseUnavailableError;
    expect(e.type).toBe(ErrorType.SERVICE_UNAVAILABLE);
    expect(e.retryable).toBe(true);
    expect(e.host).toBe('127.0.0.1:1');
    expect(e.message).toContain('127.0.0.1:1');
    expect(e.message).toContain('500 ms');
    expect(e.message).not.toContain('TopSecretPw');
    expect(e.message).not.toContain('admin:');
    expect(inspect(e, { depth: 6 })).not.toContain('TopSecretPw');
  });

  it.each(['mongodb://u:TopSecretPw@h:notaport/db', 'postgres://u:TopSecretPw@h/db'])('rejects malformed URI #%# with ConfigError, redacted', async (uri) => {
    const err = await connectMongo({ uri }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain('TopSecretPw');
  });

  it('rejects an empty URI with ConfigError', async () => {
    await expect(connectMongo({ uri: '' })).rejects.toBeInstanceOf(ConfigError);
  });
});
