import type { Connection } from 'mongoose';

import { DatabaseUnavailableError, isNetworkError, type ErrorContext } from './errors';
import { createModels, ensureIndexes } from './models/models';
import { MongoAgentRunRepository } from './mongo/agent-run.repository';
import { MongoIdempotencyKeyRepository } from './mongo/idempotency-key.repository';
import { MongoMessageRepository } from './mongo/message.repository';
import { MongoSessionRepository } from './mongo/session.repository';
import { openConnection } from './mongo/open-connection';
import { MongoTaskRepository } from './mongo/task.repository';
import type { Repositories } from './repositories';

export interface ConnectMongoOptions {
  /** `mongodb://` or `mongodb+srv://` connection string (may contain credentials). */
  uri: string;
  /** Database to use; defaults to the one in the URI, else `test`. */
  dbName?: string;
  /** How long to wait for a usable server before failing. Default 5000. */
  serverSelectionTimeoutMS?: number;
  /** TCP connect timeout. Default 5000. */
  connectTimeoutMS?: number;
  /** Idle socket timeout. Default 30000. */
  socketTimeoutMS?: number;
  /** Connection pool size. Default 20. */
  maxPoolSize?: number;
  /** Shown in the server's logs and `currentOp`, e.g. `agent-orchestrator-api`. */
  appName?: string;
}

/** An open MongoDB connection and the repositories that use it. */
export interface MongoStore {
  repositories: Repositories;
  /** True when the server answers a ping; never throws. */
  ping(): Promise<boolean>;
  /** Creates the collections' indexes (idempotent). Call once at deploy or boot. */
  ensureIndexes(): Promise<void>;
  /** Closes the connection pool. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Opens a dedicated connection (never mongoose's global one, so several stores
 * can live in one process) and waits until the server answers.
 * @throws DatabaseUnavailableError when no server answers in time.
 * @throws ConfigError for a malformed URI or rejected credentials.
 */
export async function connectMongo(options: ConnectMongoOptions): Promise<MongoStore> {
  const { conn, ctx } = await openConnection(options);
  return createStore(conn, ctx);
}

function createStore(connection: Connection, ctx: ErrorContext): MongoStore {
  const models = createModels(connection);
  let closing: Promise<void> | undefined;

  return {
    repositories: {
      tasks: new MongoTaskRepository(models.tasks, ctx),
      agentRuns: new MongoAgentRunRepository(models.agentRuns, ctx),
      messages: new MongoMessageRepository(models.messages, ctx),
      sessions: new MongoSessionRepository(models.sessions, ctx),
      idempotencyKeys: new MongoIdempotencyKeyRepository(models.idempotencyKeys, ctx),
    },
    async ping() {
      try {
        const db = connection.db;
        if (!db) return false;
        const res = await db.admin().command({ ping: 1 });
        return res['ok'] === 1;
      } catch {
        return false;
      }
    },
    async ensureIndexes() {
      try {
        await ensureIndexes(models);
      } catch (err) {
        if (isNetworkError(err)) throw new DatabaseUnavailableError(ctx.host, ctx.timeoutMs, errorMessage(err), { cause: err });
        throw err;
      }
    },
    close() {
      closing ??= connection.close();
      return closing;
    },
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
