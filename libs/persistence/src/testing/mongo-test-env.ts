/**
 * Helpers for this lib's integration tests (`*.int.spec.ts`), which need a
 * MongoDB-compatible server. MONGO_URI is provided by the Jest globalSetup
 * (tools/jest/services-setup.mjs); for a one-off run, start a server with
 * `node tools/services/mongo.mjs start` and export the URI it prints.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import { newTask, type Task } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { connectMongo, type MongoStore } from '../connection';

export function requireMongoUri(): string {
  const uri = process.env['MONGO_URI'];
  if (!uri) {
    throw new Error(
      'This integration test needs MongoDB: MONGO_URI is not set. It is normally set by the Jest globalSetup ' +
        '(tools/jest/services-setup.mjs); or run `node tools/services/mongo.mjs start` and export the MONGO_URI it prints.',
    );
  }
  return uri;
}

export interface TestDatabase {
  uri: string;
  dbName: string;
  store: MongoStore;
  /** A raw connection to the same database, for looking behind the repositories. */
  raw: mongoose.Connection;
  /** Drops the database and closes both connections. */
  dispose(): Promise<void>;
}

/** A fresh, uniquely named database (`ao_test_<random>`) with indexes in place. */
export async function openTestDatabase(prefix = 'ao_test'): Promise<TestDatabase> {
  const uri = requireMongoUri();
  const dbName = `${prefix}_${randomBytes(6).toString('hex')}`;
  const store = await connectMongo({ uri, dbName, appName: 'persistence-int-tests' });
  await store.ensureIndexes();
  const raw = await mongoose.createConnection(uri, { dbName, autoIndex: false, autoCreate: false }).asPromise();
  return {
    uri,
    dbName,
    store,
    raw,
    async dispose() {
      try {
        await raw.dropDatabase();
      } finally {
        await raw.close();
        await store.close();
      }
    },
  };
}

/**
 * Drops a database by name, or only empties the given collections. For specs outside this lib (the
 * apps' integration specs), which clean up after themselves without importing a MongoDB driver.
 */
export async function dropTestDatabase(dbName: string, options: { collections?: string[]; uri?: string } = {}): Promise<void> {
  const raw = await mongoose.createConnection(options.uri ?? requireMongoUri(), { dbName, autoIndex: false, autoCreate: false }).asPromise();
  try {
    if (options.collections) await Promise.all(options.collections.map((name) => raw.collection(name).deleteMany({})));
    else await raw.dropDatabase();
  } finally {
    await raw.close();
  }
}

/** Whether the server is FerretDB (its buildInfo carries `ferretdbVersion`). */
export async function isFerretDB(raw: mongoose.Connection): Promise<boolean> {
  const info = await raw.db!.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info;
}

let clock = Date.UTC(2025, 0, 1, 12, 0, 0);
/** Distinct, increasing timestamps (whole milliseconds, as BSON stores them). */
export function tick(ms = 1000): Date {
  clock += ms;
  return new Date(clock);
}

export function makeTask(overrides: Partial<Task> = {}): Task {
  const now = overrides.created_at ?? tick();
  return {
    ...newTask({
      task_id: randomUUID(),
      session_id: randomUUID(),
      task: 'Write a haiku about persistence',
      metadata: { ip: '203.0.113.7', user_agent: 'jest', request_id: randomUUID(), environment: 'test' },
      now,
    }),
    ...overrides,
  };
}
