import type { mongo } from 'mongoose';

import { DatabaseUnavailableError, DuplicateKeyError, isDuplicateKey, mapMongoError } from '../errors';
import { BatchedWriteError, InsertBatcher, type InsertTarget } from './insert-batcher';
import { OrderedBulkBatcher, type OrderedBulkTarget } from './ordered-bulk-batcher';

type Doc = { _id: string };
type Op = mongo.AnyBulkWriteOperation<mongo.Document>;

/** What the driver throws for a bulk write with write errors (MongoBulkWriteError: name, writeErrors of WriteError). */
function bulkError(errors: { index: number; code: number; errmsg: string; keyValue?: Record<string, unknown> }[]): Error {
  const err = new Error('bulk write failed') as Error & { writeErrors: unknown[] };
  Object.defineProperty(err, 'name', { value: 'MongoBulkWriteError' });
  err.writeErrors = errors.map((e) => ({ index: e.index, code: e.code, errmsg: e.errmsg, err: { ...e, keyValue: e.keyValue } }));
  return err;
}

/** A collection that records its calls and answers as `answer` says (a promise the test settles). */
function recordingTarget() {
  const calls: { kind: 'insertOne' | 'insertMany' | 'bulkWrite'; docs: unknown[]; settle: { resolve: () => void; reject: (err: unknown) => void } }[] = [];
  const call = (kind: (typeof calls)[number]['kind'], docs: unknown[]) =>
    new Promise<unknown>((resolve, reject) => calls.push({ kind, docs, settle: { resolve: () => resolve({}), reject } }));
  const target: InsertTarget<Doc> & OrderedBulkTarget = {
    insertOne: (doc) => call('insertOne', [doc]),
    insertMany: (docs) => call('insertMany', docs),
    bulkWrite: (ops) => call('bulkWrite', ops),
  };
  return { target, calls };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const outcome = (p: Promise<void>) => p.then(() => 'stored', (err: unknown) => err);

describe('InsertBatcher', () => {
  it('sends the inserts of one turn as one unordered insertMany, in the order given, and resolves each', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new InsertBatcher(target);
    const results = [batcher.insert({ _id: 'a' }), batcher.insert({ _id: 'b' }), batcher.insert({ _id: 'c' })].map(outcome);
    expect(calls).toHaveLength(0); // nothing leaves before the end of the turn
    await turn();
    expect(calls.map((c) => [c.kind, c.docs])).toEqual([['insertMany', [{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }]]]);
    calls[0]!.settle.resolve();
    expect(await Promise.all(results)).toEqual(['stored', 'stored', 'stored']);
  });

  it('sends a lone insert as insertOne, and inserts made while a batch is in flight in the next one', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new InsertBatcher(target);
    const first = outcome(batcher.insert({ _id: 'a' }));
    await turn();
    const later = [batcher.insert({ _id: 'b' }), batcher.insert({ _id: 'c' })].map(outcome);
    await turn();
    expect(calls.map((c) => [c.kind, c.docs.length])).toEqual([
      ['insertOne', 1],
      ['insertMany', 2],
    ]);
    calls[1]!.settle.resolve();
    calls[0]!.settle.resolve();
    expect(await first).toBe('stored');
    expect(await Promise.all(later)).toEqual(['stored', 'stored']);
  });

  it('gives a duplicate key to the caller whose document it was, as insertOne would, and stores the others', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new InsertBatcher(target);
    const results = [batcher.insert({ _id: 'a' }), batcher.insert({ _id: 'dup' }), batcher.insert({ _id: 'c' })].map(outcome);
    await turn();
    calls[0]!.settle.reject(bulkError([{ index: 1, code: 11000, errmsg: 'E11000 duplicate key error', keyValue: { _id: 'dup' } }]));
    const [a, dup, c] = await Promise.all(results);
    expect([a, c]).toEqual(['stored', 'stored']);
    expect(dup).toBeInstanceOf(BatchedWriteError);
    expect(isDuplicateKey(dup)).toBe(true);
    expect((dup as BatchedWriteError).message).toBe('E11000 duplicate key error');
    // The repositories' mapping sees what an insertOne's MongoServerError would have given it.
    const mapped = mapMongoError(dup, 'tasks', { host: 'h', timeoutMs: 1 });
    expect(mapped).toBeInstanceOf(DuplicateKeyError);
    expect((mapped as DuplicateKeyError).key).toEqual({ _id: 'dup' });
  });

  it('rejects every caller of the batch with the error of the whole command (network, timeout)', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new InsertBatcher(target);
    const results = [batcher.insert({ _id: 'a' }), batcher.insert({ _id: 'b' })].map(outcome);
    await turn();
    const down = Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    calls[0]!.settle.reject(down);
    expect(await Promise.all(results)).toEqual([down, down]);
  });

  it("gives each caller the driver's original error when it wrapped a failure of the whole command (so it maps to 503)", async () => {
    const { target, calls } = recordingTarget();
    const batcher = new InsertBatcher(target);
    const results = [batcher.insert({ _id: 'a' }), batcher.insert({ _id: 'b' })].map(outcome);
    await turn();
    // What the driver throws for a network failure of a bulk write: the original kept as errorResponse.
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'MongoNetworkError' });
    const wrapped = Object.assign(bulkError([]), { errorResponse: refused });
    calls[0]!.settle.reject(wrapped);
    const [a, b] = await Promise.all(results);
    expect([a, b]).toEqual([refused, refused]);
    expect(mapMongoError(a, 'tasks', { host: 'h', timeoutMs: 1 })).toBeInstanceOf(DatabaseUnavailableError);
  });

  it('sends a full batch at once, without waiting for the end of the turn', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new InsertBatcher(target, 2);
    const results = [batcher.insert({ _id: 'a' }), batcher.insert({ _id: 'b' }), batcher.insert({ _id: 'c' })].map(outcome);
    expect(calls.map((c) => c.docs.length)).toEqual([2]);
    await turn();
    expect(calls.map((c) => [c.kind, c.docs.length])).toEqual([
      ['insertMany', 2],
      ['insertOne', 1],
    ]);
    for (const c of calls) c.settle.resolve();
    expect(await Promise.all(results)).toEqual(['stored', 'stored', 'stored']);
  });
});

describe('OrderedBulkBatcher', () => {
  const op = (name: string): Op => ({ updateOne: { filter: { _id: name as never }, update: { $set: { name } } } });

  it('sends the writes of one turn as one ordered bulkWrite, each caller after the ones before it', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new OrderedBulkBatcher(target);
    const results = [batcher.write([op('a1'), op('a2')]), batcher.write([op('b1')])].map(outcome);
    await turn();
    expect(calls.map((c) => c.kind)).toEqual(['bulkWrite']);
    expect(calls[0]!.docs).toEqual([op('a1'), op('a2'), op('b1')]);
    calls[0]!.settle.resolve();
    expect(await Promise.all(results)).toEqual(['stored', 'stored']);
  });

  it('on a write error: earlier callers are done, the failing one hears which of its steps failed, later ones go in the next batch', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new OrderedBulkBatcher(target);
    const results = [batcher.write([op('a1'), op('a2')]), batcher.write([op('b1'), op('b2')]), batcher.write([op('c1')])].map(outcome);
    await turn();
    // Ops 0-1 are a's, 2-3 b's: b's second step (its index 1) failed, so c's never ran.
    calls[0]!.settle.reject(bulkError([{ index: 3, code: 2, errmsg: 'bad update' }]));
    await turn(); // the answer is handled
    await turn(); // the next batch leaves
    expect(calls).toHaveLength(2);
    expect(calls[1]!.docs).toEqual([op('c1')]);
    calls[1]!.settle.resolve();
    const [a, b, c] = await Promise.all(results);
    expect(a).toBe('stored');
    expect(b).toBeInstanceOf(BatchedWriteError);
    expect((b as BatchedWriteError).step).toBe(1);
    expect((b as BatchedWriteError).code).toBe(2);
    expect(c).toBe('stored');
  });

  it('rejects every caller with the error of the whole command', async () => {
    const { target, calls } = recordingTarget();
    const batcher = new OrderedBulkBatcher(target);
    const results = [batcher.write([op('a')]), batcher.write([op('b')])].map(outcome);
    await turn();
    const concern = Object.assign(bulkError([]), { writeConcernError: { code: 64 } });
    calls[0]!.settle.reject(concern);
    expect(await Promise.all(results)).toEqual([concern, concern]);
  });

  it("gives each caller the driver's original error of a network failure", async () => {
    const { target, calls } = recordingTarget();
    const batcher = new OrderedBulkBatcher(target);
    const results = [batcher.write([op('a')]), batcher.write([op('b')])].map(outcome);
    await turn();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { name: 'MongoNetworkError' });
    calls[0]!.settle.reject(Object.assign(bulkError([]), { errorResponse: refused }));
    expect(await Promise.all(results)).toEqual([refused, refused]);
  });
});
