/**
 * Helpers for integration tests (`*.int.spec.ts`) that need a MongoDB-compatible server: this lib's,
 * and the apps' and e2e's. MONGO_URI is provided by the Jest globalSetup of the `test-int` targets
 * (tools/jest/services-setup.mjs); for a one-off run, start a server with
 * `node tools/services/mongo.mjs start` and export the URI it prints.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import { newTask, sumUsage, usageTotals, type AgentRun, type Task } from '@agent-orchestrator/domain';
import { afterAll, beforeAll } from '@jest/globals';
import mongoose from 'mongoose';

import { connectMongo, type MongoStore } from '../connection';
import { TASKS_COLLECTION } from '../models/task.model';
import { taskDocument } from '../mongo/documents';

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

/** A database name of the spec's own: `<prefix>_<12 hex>`. */
export function testDatabaseName(prefix = 'ao_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** MONGO_URI and MONGO_DB_NAME for an app's config or a spawned app's environment. */
export function testMongoEnv(dbName: string): { MONGO_URI: string; MONGO_DB_NAME: string } {
  return { MONGO_URI: requireMongoUri(), MONGO_DB_NAME: dbName };
}

/** Drops a database (e.g. one an app under test wrote to) and closes the connection it opened for that. */
export async function dropTestDatabase(dbName: string, options: { collections?: string[]; uri?: string } = {}): Promise<void> {
  const conn = await mongoose.createConnection(options.uri ?? requireMongoUri(), { dbName, autoIndex: false, autoCreate: false }).asPromise();
  try {
    if (options.collections) await Promise.all(options.collections.map((name) => conn.collection(name).deleteMany({})));
    else await conn.dropDatabase();
  } finally {
    await conn.close();
  }
}

export interface TestDatabaseOptions {
  /** The database's name; default `testDatabaseName(prefix)`. */
  dbName?: string;
  /** Create the repositories' indexes (default true). */
  ensureIndexes?: boolean;
  appName?: string;
}

/** A fresh, uniquely named database (`ao_test_<random>`) with indexes in place. */
export async function openTestDatabase(prefix = 'ao_test', options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const uri = requireMongoUri();
  const dbName = options.dbName ?? testDatabaseName(prefix);
  const store = await connectMongo({ uri, dbName, appName: options.appName ?? 'persistence-int-tests' });
  if (options.ensureIndexes ?? true) await store.ensureIndexes();
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
 * A database of the spec's own for the surrounding `describe` (or file): opened in `beforeAll`, dropped
 * in `afterAll`. `dbName` is known at once (for configs and spawned apps); `store`, `raw` and `uri` once
 * `beforeAll` has run.
 */
export function useTestDatabase(prefix = 'ao_test', options: Omit<TestDatabaseOptions, 'dbName'> = {}): TestDatabase {
  const dbName = testDatabaseName(prefix);
  let db: TestDatabase | undefined;
  const opened = (): TestDatabase => {
    if (!db) throw new Error(`useTestDatabase(${JSON.stringify(prefix)}): the database is opened in beforeAll; use it inside hooks and tests.`);
    return db;
  };
  beforeAll(async () => {
    db = await openTestDatabase(prefix, { ...options, dbName });
  });
  afterAll(async () => {
    await db?.dispose();
    db = undefined;
  });
  return {
    dbName,
    get uri() {
      return db?.uri ?? requireMongoUri();
    },
    get store() {
      return opened().store;
    },
    get raw() {
      return opened().raw;
    },
    dispose: async () => db?.dispose(),
  };
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

/**
 * Stores many tasks at once (one `insertMany`, as `tasks.create` would store each): a spec's backlog
 * of thousands of tasks without thousands of round trips. `connection`: a TestDatabase's `raw`.
 */
export async function insertTasks(connection: mongoose.Connection, tasks: readonly Task[]): Promise<void> {
  if (tasks.length === 0) return;
  await connection.collection(TASKS_COLLECTION).insertMany(tasks.map((t) => taskDocument(t) as Record<string, unknown>), { ordered: false });
}

/**
 * An agent run as the worker stores it: a CodeAgent run of `task-1` (12 tokens) unless overridden, its
 * totals computed from `usage`, 1.5 s long, starting at the next `tick()` (or ending at `finished_at`).
 */
export function makeAgentRun(overrides: Partial<AgentRun> = {}): AgentRun {
  const usage = overrides.usage ?? [{ model: 'gpt-4o-mini', prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, cost_usd: 0.00001 }];
  const started_at = overrides.started_at ?? (overrides.finished_at ? new Date(overrides.finished_at.getTime() - 1500) : tick());
  const finished_at = overrides.finished_at ?? new Date(started_at.getTime() + 1500);
  return {
    run_id: randomUUID(),
    task_id: 'task-1',
    session_id: 'session-1',
    kind: 'agent',
    agent_name: 'CodeAgent',
    agent_version: '1.0.0',
    model: usage[0]?.model ?? null,
    attempt: 1,
    input: 'write a function',
    output: 'function f() {}',
    outcome: 'success',
    error: null,
    usage,
    ...usageTotals(sumUsage(usage)),
    started_at,
    finished_at,
    duration_ms: finished_at.getTime() - started_at.getTime(),
    ...overrides,
  };
}
