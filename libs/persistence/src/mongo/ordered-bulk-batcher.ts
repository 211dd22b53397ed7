/**
 * Group commit of small ordered writes (the accept path's session touch: an upsert, then a
 * conditional trim): the writes handed over in one event-loop turn go to the server as one ordered
 * `bulkWrite`, each caller's operations in the order given and after those of the callers before
 * it. Under load the requests that arrive together share one round trip; alone, a write is a
 * `bulkWrite` of its own operations.
 *
 * Like insert-batcher.ts, nothing waits on a timer (a batch leaves at the end of its turn) and a
 * caller's promise settles with the server's answer for its own operations:
 * - all of them ran: resolved;
 * - one of them failed: rejected with a `BatchedWriteError` carrying the server's code and message
 *   and `step`, the index of the failing operation among the caller's own (so a caller can tell its
 *   upsert from its trim);
 * - an earlier caller's operation failed first: an ordered bulk write stops there, so its operations
 *   never ran; they are handed to the next batch, unchanged and still in order;
 * - the whole command failed (network, timeout, write concern): rejected with that error, as its
 *   own write would have been.
 */
import { TurnBatch } from '@agent-orchestrator/domain';
import type { mongo } from 'mongoose';

import { BatchedWriteError, commandError, type WriteErrorLike } from './insert-batcher';

export interface OrderedBulkTarget {
  bulkWrite(ops: mongo.AnyBulkWriteOperation<mongo.Document>[], options: { ordered: true }): Promise<unknown>;
}

/** Past this many operations a batch is sent at once (a bound on one command's size). */
export const MAX_BULK_BATCH_OPS = 256;

interface Waiting {
  ops: mongo.AnyBulkWriteOperation<mongo.Document>[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** The one write error of a failed ordered bulk write (it stops at the first), or null when the command itself failed. */
function firstWriteError(err: unknown): WriteErrorLike | null {
  if (typeof err !== 'object' || err === null) return null;
  const { name, writeErrors, writeConcernError } = err as { name?: unknown; writeErrors?: unknown; writeConcernError?: unknown };
  if (name !== 'MongoBulkWriteError' || writeConcernError) return null;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as WriteErrorLike[];
  const first = list[0];
  return first !== undefined && typeof first.index === 'number' ? first : null;
}

export class OrderedBulkBatcher {
  private readonly batch: TurnBatch<Waiting>;

  constructor(
    private readonly target: OrderedBulkTarget,
    maxOps = MAX_BULK_BATCH_OPS,
  ) {
    // Bounded by operations, not callers.
    this.batch = new TurnBatch((waiting) => this.send(waiting), maxOps, (w) => w.ops.length);
  }

  /** Runs `ops` in order (after the operations handed over before them); resolves once all of them ran. */
  write(ops: mongo.AnyBulkWriteOperation<mongo.Document>[]): Promise<void> {
    return new Promise<void>((resolve, reject) => this.batch.add({ ops, resolve, reject }));
  }

  private send(batch: Waiting[]): void {
    this.target.bulkWrite(
      batch.flatMap((w) => w.ops),
      { ordered: true },
    ).then(
      () => {
        for (const w of batch) w.resolve();
      },
      (err: unknown) => {
        const failed = firstWriteError(err);
        if (failed === null) {
          const whole = commandError(err);
          for (const w of batch) w.reject(whole);
          return;
        }
        const at = failed.index as number;
        let start = 0;
        for (const w of batch) {
          const end = start + w.ops.length;
          if (end <= at) w.resolve();
          else if (start <= at) w.reject(new BatchedWriteError(failed, err, at - start));
          // Never ran (the ordered write stopped before them): they go in the next batch.
          else this.batch.add(w);
          start = end;
        }
      },
    );
  }
}
