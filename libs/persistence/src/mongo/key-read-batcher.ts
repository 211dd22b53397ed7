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
 */
import type { mongo } from 'mongoose';

/** What the batcher needs of a collection: the driver's own `findOne` and `find`. */
export interface KeyReadTarget {
  findOne(filter: mongo.Filter<mongo.Document>, options: { projection: mongo.Document }): Promise<mongo.Document | null>;
  find(filter: mongo.Filter<mongo.Document>, options: { projection: mongo.Document }): { toArray(): Promise<mongo.Document[]> };
}

/** Past this many keys a batch is sent at once (a bound on one command's size and answer). */
export const MAX_KEY_READ_BATCH = 128;

interface Waiting {
  key: string;
  resolve: (doc: mongo.Document | null) => void;
  reject: (err: unknown) => void;
}

export class KeyReadBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private readonly projection: mongo.Document;

  constructor(
    private readonly target: KeyReadTarget,
    /** The fields to read (inclusion projection); `_id` is always added. */
    projection: Record<string, 1>,
    private readonly maxBatch = MAX_KEY_READ_BATCH,
  ) {
    this.projection = { ...projection, _id: 1 };
  }

  /** The document whose `_id` is `key` (with the fields of the projection), or null when there is none. */
  read(key: string): Promise<mongo.Document | null> {
    return new Promise<mongo.Document | null>((resolve, reject) => {
      this.waiting.push({ key, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.send();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.send();
        });
      }
    });
  }

  private send(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    const keys = [...new Set(batch.map((w) => w.key))];
    if (keys.length === 1) {
      this.target.findOne({ _id: keys[0] as never }, { projection: this.projection }).then(
        (doc) => {
          for (const w of batch) w.resolve(doc);
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      );
      return;
    }
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
}
