/**
 * Records the query shapes the driver sends, through MongoDB command monitoring (`commandStarted`
 * events), for index-coverage checks in integration specs. Only clients opened with command
 * monitoring on emit these events: open them with `withCommandMonitoring(uri)`.
 */
import type { EventEmitter } from 'node:events';

import mongoose from 'mongoose';

import { shapesOfCommand, type CommandLike, type QueryShape } from './query-shapes';

type MongoClient = ReturnType<mongoose.Connection['getClient']>;

/** mongoose announces each `createConnection` on `mongoose.events` (not in its type declarations). */
const connectionEvents = (): EventEmitter => (mongoose as unknown as { events: EventEmitter }).events;

/** The connection string with `monitorCommands=true`, so the driver emits command events. */
export function withCommandMonitoring(uri: string): string {
  // Not `new URL`: it rejects multi-host strings (`mongodb://a:1,b:2/db`).
  const q = uri.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : uri.slice(q + 1));
  params.set('monitorCommands', 'true');
  return `${q < 0 ? uri : uri.slice(0, q)}?${params}`;
}

export interface QueryRecorder {
  /** Every query shape seen so far, in order. */
  readonly shapes: QueryShape[];
  /** How many commands were seen (queries or not), to tell "nothing recorded" from "not listening". */
  readonly commands: number;
  /**
   * Names of the indexes `createIndexes` commands had asked for on `collection` of the database of
   * `shapes[i]` before that query was sent (an index made later does not serve it).
   */
  indexesCreatedBefore(i: number, collection: string): Set<string>;
  /** Stops recording (the shapes stay). */
  stop(): void;
}

/**
 * Records the queries of every mongoose connection of this process (the ones open now and the ones
 * opened later, such as a `MongoStore`'s), for databases `database` accepts (default: all).
 */
export function recordQueryShapes(options: { database?: (name: string) => boolean } = {}): QueryRecorder {
  const accept = options.database ?? (() => true);
  const shapes: QueryShape[] = [];
  let commands = 0;
  /** Parallel to `shapes`: the command count when each was sent. */
  const sentAt: number[] = [];
  const created: Array<{ database: string; collection: string; name: string; at: number }> = [];
  const clients = new Set<MongoClient>();
  const onCommand = (event: CommandLike) => {
    if (!accept(event.databaseName)) return;
    commands++;
    if (event.commandName === 'createIndexes') created.push(...indexesOf(event, commands));
    for (const shape of shapesOfCommand(event)) {
      shapes.push(shape);
      sentAt.push(commands);
    }
  };
  const attachClient = (client: MongoClient | undefined) => {
    if (!client || clients.has(client)) return;
    clients.add(client);
    client.on('commandStarted', onCommand);
  };
  const attach = (conn: mongoose.Connection) => {
    attachClient(conn.getClient() as MongoClient | undefined);
    // A connection being opened has no client yet: it has one once connected, before any query.
    conn.on('connected', () => attachClient(conn.getClient()));
  };
  for (const conn of mongoose.connections) attach(conn);
  connectionEvents().on('createConnection', attach);
  return {
    shapes,
    get commands() {
      return commands;
    },
    indexesCreatedBefore(i, collection) {
      const database = shapes[i]?.database;
      return new Set(created.filter((c) => c.database === database && c.collection === collection && c.at < sentAt[i]!).map((c) => c.name));
    },
    stop() {
      connectionEvents().off('createConnection', attach);
      for (const client of clients) client.off('commandStarted', onCommand);
      clients.clear();
    },
  };
}

function indexesOf(event: CommandLike, at: number): Array<{ database: string; collection: string; name: string; at: number }> {
  const collection = String(event.command['createIndexes']);
  const specs = Array.isArray(event.command['indexes']) ? (event.command['indexes'] as Array<{ name?: unknown }>) : [];
  return specs.flatMap((spec) => (typeof spec.name === 'string' ? [{ database: event.databaseName, collection, name: spec.name, at }] : []));
}
