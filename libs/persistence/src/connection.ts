import type { Connection } from 'mongoose';

import { DatabaseUnavailableError, isNetworkError, type ErrorContext } from './errors';
import { createModels, ensureIndexes } from './models/models';
import { MongoAgentRunRepository } from './mongo/agent-run.repository';
import { MongoIdempotencyKeyRepository } from './mongo/idempotency-key.repository';
import { MongoMessageRepository } from './mongo/message.repository';
import { type MonitorStall, watchServerMonitors } from './mongo/monitor-watchdog';
import { MongoSessionRepository } from './mongo/session.repository';
import { MongoTaskCounterRepository } from './mongo/task-counter.repository';
import { MongoTaskEventRepository } from './mongo/task-event.repository';
import { MongoTaskStreamRepository } from './mongo/task-stream.repository';
import { ensureTtlIndex } from './mongo/ttl-index';
import { openConnection } from './mongo/open-connection';
import { MongoTaskRepository } from './mongo/task.repository';
import { MongoWebhookDeliveryRepository } from './mongo/webhook-delivery.repository';
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
  /**
   * Called when the driver's monitor of a server was stuck mid-heartbeat and was restarted (see
   * mongo/monitor-watchdog.ts); until then every operation fails server selection. Log it.
   */
  onMonitorStall?: (stall: MonitorStall) => void;
}

/** An open MongoDB connection and the repositories that use it. */
export interface MongoStore {
  repositories: Repositories;
  /** True when the server answers a ping; never throws. */
  ping(): Promise<boolean>;
  /** Creates the collections' indexes (idempotent). Call once at deploy or boot. */
  ensureIndexes(): Promise<void>;
  /**
   * Creates (or re-times) the TTL indexes that expire lifecycle events (`logs.timestamp`) and
   * the minute counters of the metrics history (`task_counters.minute_start`; day counters are
   * kept) after the given number of days. Servers
   * without TTL (FerretDB v1) refuse it (`ttl: false`) or ignore it: callers also purge periodically.
   */
  ensureRetention(retention: { logsDays: number; snapshotsDays: number; streamDays?: number }): Promise<{ ttl: boolean }>;
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
  const client = conn.getClient();
  const stopWatchdog = watchServerMonitors(client, {
    connectTimeoutMS: client.options.connectTimeoutMS,
    heartbeatFrequencyMS: client.options.heartbeatFrequencyMS,
    onStall: options.onMonitorStall,
  });
  return createStore(conn, ctx, stopWatchdog);
}

function createStore(connection: Connection, ctx: ErrorContext, stopWatchdog: () => void): MongoStore {
  const models = createModels(connection);
  let closing: Promise<void> | undefined;

  const tasks = new MongoTaskRepository(models.tasks, ctx, models.sessions);
  const agentRuns = new MongoAgentRunRepository(models.agentRuns, ctx);

  return {
    repositories: {
      tasks,
      agentRuns,
      messages: new MongoMessageRepository(models.messages, ctx, models.sessions),
      sessions: new MongoSessionRepository(models.sessions, ctx),
      taskEvents: new MongoTaskEventRepository(models.logs, ctx),
      idempotencyKeys: new MongoIdempotencyKeyRepository(models.idempotencyKeys, ctx),
      taskStream: new MongoTaskStreamRepository(models.taskStream, ctx),
      taskCounters: new MongoTaskCounterRepository(models.taskCounters, ctx, { tasks, agentRuns, taskModel: models.tasks }),
      webhookDeliveries: new MongoWebhookDeliveryRepository(models.webhookDeliveries, ctx),
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
    async ensureRetention({ logsDays, snapshotsDays, streamDays }) {
      try {
        const logs = await ensureTtlIndex(models.logs.collection, 'timestamp', logsDays * 86_400);
        const minutes = await ensureTtlIndex(models.taskCounters.collection, 'minute_start', snapshotsDays * 86_400);
        // The stream's history (task_stream_events): its own lifetime, STREAM_RETENTION_DAYS.
        const stream = streamDays === undefined ? true : await ensureTtlIndex(models.taskStream.collection, 'timestamp', streamDays * 86_400);
        return { ttl: logs && minutes && stream };
      } catch (err) {
        if (isNetworkError(err)) throw new DatabaseUnavailableError(ctx.host, ctx.timeoutMs, errorMessage(err), { cause: err });
        throw err;
      }
    },
    close() {
      if (!closing) stopWatchdog();
      closing ??= connection.close();
      return closing;
    },
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
