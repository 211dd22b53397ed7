/**
 * Group commit of single-document inserts (the accept path's task and message inserts): the inserts
 * asked for in one event-loop turn go to the server as one unordered `insertMany`, and each caller
 * gets its own document's outcome, as if it had made its own `insertOne`. Under load the requests
 * that arrive together share one round trip instead of making one each; alone, an insert is an
 * `insertOne`, as before.
 *
 * Nothing waits on a timer: a batch leaves at the end of the turn it was formed in (`setImmediate`),
 * so an insert is never held back longer than the synchronous work already queued, and nothing is
 * left behind at shutdown that the driver is not already sending. A caller's promise settles only
 * with the server's answer for its document: a duplicate key (or any other write error) is reported
 * to the caller whose document it was, with the server's code (11000), message and `keyValue`, and
 * the other documents of the batch are stored; an error of the whole command (network, timeout,
 * server going away) rejects every caller of the batch, exactly as each one's `insertOne` would have
 * failed. The documents are inserted in the order they were handed over.
 */
import { TurnBatch } from '@agent-orchestrator/domain';
import type { mongo } from 'mongoose';

/** What the batcher needs of a collection: the driver's own `insertOne` and `insertMany`. */
export interface InsertTarget<T extends mongo.Document> {
  insertOne(doc: T): Promise<unknown>;
  insertMany(docs: T[], options: { ordered: false }): Promise<unknown>;
}

/** Past this many documents a batch is sent at once (a bound on one command's size). */
export const MAX_INSERT_BATCH = 128;

interface Waiting<T> {
  doc: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A write error of a bulk write, as the driver reports it (its WriteError: index, code, errmsg, the raw error). */
export interface WriteErrorLike {
  index?: unknown;
  code?: unknown;
  errmsg?: unknown;
  err?: { keyValue?: unknown; keyPattern?: unknown; errInfo?: unknown };
}

/**
 * The error one caller's write in a batch failed with, shaped like the `MongoServerError` its own
 * write would have thrown (name, code, message, keyValue), so the repositories' error mapping
 * (`mapMongoError`: DuplicateKeyError for 11000) treats both alike. `cause` is the batch's error;
 * `step` the index of the failing operation among the caller's own (ordered-bulk-batcher.ts).
 */
export class BatchedWriteError extends Error {
  readonly code: unknown;
  readonly keyValue: unknown;
  readonly keyPattern: unknown;

  constructor(
    writeError: WriteErrorLike,
    cause: unknown,
    readonly step = 0,
  ) {
    super(typeof writeError.errmsg === 'string' ? writeError.errmsg : 'write error', { cause });
    this.name = 'MongoServerError';
    this.code = writeError.code;
    this.keyValue = writeError.err?.keyValue;
    this.keyPattern = writeError.err?.keyPattern;
  }
}

/**
 * The per-document failures of a failed insertMany, by the document's index in the batch, or null
 * when the error is not about single documents (the whole command failed: every caller gets it).
 */
function failuresByIndex(err: unknown): Map<number, unknown> | null {
  if (typeof err !== 'object' || err === null) return null;
  const { name, writeErrors, writeConcernError } = err as { name?: unknown; writeErrors?: unknown; writeConcernError?: unknown };
  // A write concern error says the stored documents may not be durable: every caller hears it.
  if (name !== 'MongoBulkWriteError' || writeConcernError) return null;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as WriteErrorLike[];
  if (list.length === 0) return null;
  const failures = new Map<number, unknown>();
  for (const we of list) {
    if (typeof we.index !== 'number') return null;
    failures.set(we.index, new BatchedWriteError(we, err));
  }
  return failures;
}

/**
 * The error every caller of a batch gets when the command as a whole failed. The driver wraps a
 * failure of a bulk write that is not about its documents (network, server selection, a server
 * going away) in a MongoBulkWriteError, keeping the original as `errorResponse`: that original is
 * what each caller's own `insertOne` or `updateOne` would have thrown, so it is what they get (and
 * what the repositories' error mapping recognises: DatabaseUnavailableError, 503).
 */
export function commandError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const { name, errorResponse } = err as { name?: unknown; errorResponse?: unknown };
  return name === 'MongoBulkWriteError' && errorResponse instanceof Error ? errorResponse : err;
}

export class InsertBatcher<T extends mongo.Document> {
  private readonly batch: TurnBatch<Waiting<T>>;

  constructor(
    private readonly target: InsertTarget<T>,
    maxBatch = MAX_INSERT_BATCH,
  ) {
    this.batch = new TurnBatch((waiting) => this.send(waiting), maxBatch);
  }

  /** Inserts `doc` (with the ones asked for in the same turn); resolves once the server stored it. */
  insert(doc: T): Promise<void> {
    return new Promise<void>((resolve, reject) => this.batch.add({ doc, resolve, reject }));
  }

  private send(batch: Waiting<T>[]): void {
    if (batch.length === 1) {
      const [only] = batch as [Waiting<T>];
      this.target.insertOne(only.doc).then(() => only.resolve(), only.reject);
      return;
    }
    this.target.insertMany(
      batch.map((w) => w.doc),
      { ordered: false },
    ).then(
      () => {
        for (const w of batch) w.resolve();
      },
      (err: unknown) => {
        const failures = failuresByIndex(err);
        const whole = failures === null ? commandError(err) : err;
        batch.forEach((w, i) => {
          if (failures === null) w.reject(whole);
          else if (failures.has(i)) w.reject(failures.get(i));
          else w.resolve();
        });
      },
    );
  }
}
