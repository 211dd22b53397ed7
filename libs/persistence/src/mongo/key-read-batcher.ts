/**
 * Group reads by primary key (the worker's lookups of a session's recent slice and of a task's first
 * stream event): the lookups asked for in one event-loop turn go to the server as one
 * `find({ _id: { $in: [...] } })`, and each caller gets its own document (or null), as if it had made
 * its own `findOne`. Under load the tasks whose steps run in the same turn share one round trip; alone,
 * a lookup is a `findOne`, as before.
 *
 * Like insert-batcher.ts, nothing waits on a timer: a batch leaves at the end of the turn it was formed
 * in (`setImmediate`), so the read is sent after the caller asked for it and answers with what the
 * server holds then; nothing is kept once the read settles (no cache). An error of the command rejects
 * every caller of the batch, as each one's `findOne` would have failed. The projection is the
 * batcher's (one batcher per shape of read) and always returns `_id`, which matches documents to keys.
 *
 * Only where `_id: {$in}` is served by the primary key: FerretDB v1 pushes down `_id` equality alone
 * and scans the whole collection for `$in` (measured: 5 ms for a `findOne`, 1.6-2.2 s for a
 * two-key `$in` over 30k documents). On FerretDB (asked once per database with `buildInfo`, which
 * names `ferretdbVersion` there) every key of a batch gets its own `findOne`, as without batching.
 */
import { TurnBatch } from '@agent-orchestrator/domain';
import type { mongo } from 'mongoose';

/** What the batcher needs of a collection: the driver's own `findOne` and `find`. */
export interface KeyReadTarget {
  findOne(filter: mongo.Filter<mongo.Document>, options: { projection: mongo.Document }): Promise<mongo.Document | null>;
  find(filter: mongo.Filter<mongo.Document>, options: { projection: mongo.Document }): { toArray(): Promise<mongo.Document[]> };
  /** The collection's database, asked whether the server is FerretDB: a driver Collection's `db`... */
  readonly db?: ServerDb;
  /** ... or a mongoose collection's connection's. Neither (test doubles): batches use `$in`. */
  readonly conn?: { readonly db?: ServerDb };
}

type ServerDb = { admin(): { command(command: mongo.Document): Promise<mongo.Document> } };

/** Per database: whether `_id: {$in}` reads the primary key (false on FerretDB), once known. */
const inByKey = new WeakMap<object, boolean>();
/** Per database: the `buildInfo` question in flight (an error is asked again next time). */
const asking = new WeakMap<object, Promise<boolean>>();

/** Known (or nothing to ask: test doubles): the answer at once, so a batch leaves in the same turn; else the question. */
function servesInByKey(target: KeyReadTarget): boolean | Promise<boolean> {
  const db = target.db ?? target.conn?.db;
  if (!db) return true;
  const known = inByKey.get(db);
  if (known !== undefined) return known;
  let question = asking.get(db);
  if (!question) {
    question = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => {
        const answer = !('ferretdbVersion' in info);
        inByKey.set(db, answer);
        return answer;
      })
      .finally(() => asking.delete(db));
    asking.set(db, question);
  }
  return question;
}

/** Past this many keys a batch is sent at once (a bound on one command's size and answer). */
export const MAX_KEY_READ_BATCH = 128;

interface Waiting {
  key: string;
  resolve: (doc: mongo.Document | null) => void;
  reject: (err: unknown) => void;
}

export class KeyReadBatcher {
  private readonly batch: TurnBatch<Waiting>;
  private readonly projection: mongo.Document;

  constructor(
    private readonly target: KeyReadTarget,
    /** The fields to read (inclusion projection); `_id` is always added. */
    projection: Record<string, 1>,
    maxBatch = MAX_KEY_READ_BATCH,
  ) {
    this.projection = { ...projection, _id: 1 };
    this.batch = new TurnBatch((waiting) => this.send(waiting), maxBatch);
  }

  /** The document whose `_id` is `key` (with the fields of the projection), or null when there is none. */
  read(key: string): Promise<mongo.Document | null> {
    return new Promise<mongo.Document | null>((resolve, reject) => this.batch.add({ key, resolve, reject }));
  }

  private send(batch: Waiting[]): void {
    const keys = [...new Set(batch.map((w) => w.key))];
    if (keys.length === 1) {
      this.readOneByOne(batch, keys);
      return;
    }
    const inByKey = servesInByKey(this.target);
    if (inByKey === true) this.readIn(batch, keys);
    else if (inByKey === false) this.readOneByOne(batch, keys);
    else
      inByKey.then(
        (yes) => (yes ? this.readIn(batch, keys) : this.readOneByOne(batch, keys)),
        // The server could not say (it is going away?): a findOne per key, whose errors are the callers' own.
        () => this.readOneByOne(batch, keys),
      );
  }

  /** One `find({ _id: { $in } })` for the batch; a failure rejects every caller. */
  private readIn(batch: Waiting[], keys: string[]): void {
    this.target
      .find({ _id: { $in: keys } as never }, { projection: this.projection })
      .toArray()
      .then(
        (docs) => {
          const byKey = new Map<unknown, mongo.Document>();
          for (const d of docs) byKey.set(d['_id'], d);
          for (const w of batch) w.resolve(byKey.get(w.key) ?? null);
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      );
  }

  /** A `findOne` per key; each caller gets its key's answer or error. */
  private readOneByOne(batch: Waiting[], keys: string[]): void {
    for (const key of keys) {
      this.target.findOne({ _id: key as never }, { projection: this.projection }).then(
        (doc) => {
          for (const w of batch) if (w.key === key) w.resolve(doc);
        },
        (err: unknown) => {
          for (const w of batch) if (w.key === key) w.reject(err);
        },
      );
    }
  }
}
