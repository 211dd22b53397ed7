/**
 * Opens the mongoose connection behind a MongoStore and classifies a failed
 * first connect. Internal: nothing here is exported from the package.
 */
import { ConfigError } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import type { ConnectMongoOptions } from '../connection';
import { DatabaseUnavailableError, type ErrorContext } from '../errors';
import { mongoHosts, redactMongoUri } from '../redact';

/** A dedicated, connected mongoose connection (never mongoose's default one), configured for this lib. */
export async function openConnection(options: ConnectMongoOptions): Promise<{ conn: mongoose.Connection; ctx: ErrorContext }> {
  const {
    uri,
    dbName,
    serverSelectionTimeoutMS = 5000,
    connectTimeoutMS = 5000,
    socketTimeoutMS = 30000,
    maxPoolSize = 20,
    appName,
  } = options;
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw new ConfigError('MongoDB URI is empty: set MONGO_URI.', [{ field: 'uri', message: 'required' }]);
  }
  const ctx: ErrorContext = { host: mongoHosts(uri), timeoutMs: serverSelectionTimeoutMS };

  let conn: mongoose.Connection | undefined;
  try {
    conn = mongoose.createConnection(uri, {
      dbName,
      serverSelectionTimeoutMS,
      connectTimeoutMS,
      socketTimeoutMS,
      maxPoolSize,
      appName,
      autoIndex: false,
      autoCreate: false,
      bufferCommands: false,
      // Defence in depth next to the repositories' own checks: `$`-operators in a
      // filter value are neutralised unless wrapped in mongoose.trusted().
      sanitizeFilter: true,
    });
    await conn.asPromise();
  } catch (err) {
    await conn?.close(true).catch(() => undefined);
    throw connectError(err, uri, ctx);
  }
  return { conn, ctx };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Classifies a failed first connect. Messages never contain the URI's credentials. */
function connectError(err: unknown, uri: string, ctx: ErrorContext): Error {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; code?: unknown; codeName?: unknown };
  const reason = redactMongoUri(errorMessage(err));
  const malformed =
    e.name === 'MongoParseError' ||
    e.name === 'MongoInvalidArgumentError' ||
    e.name === 'MongoAPIError' ||
    // e.g. `mongodb://h:notaport`: the driver reports "Unable to parse h:notaport with URL".
    (e.name === 'MongoRuntimeError' && /unable to parse/i.test(reason));
  if (malformed) {
    return new ConfigError(`Invalid MongoDB URI ${redactMongoUri(uri)}: ${reason}`, [{ field: 'uri', message: reason }]);
  }
  if (e.code === 18 || e.codeName === 'AuthenticationFailed') {
    return new ConfigError(`MongoDB at ${ctx.host} rejected the credentials: ${reason}`, [{ field: 'uri', message: 'authentication failed' }]);
  }
  // Server selection timeouts, refused connections, SRV/DNS lookups, TLS handshakes:
  // all mean "no usable database right now".
  return new DatabaseUnavailableError(ctx.host, ctx.timeoutMs, reason, { cause: err });
}
