import type { mongo } from 'mongoose';

import { KeyReadBatcher, type KeyReadTarget } from './key-read-batcher';

/** A collection holding `docs` that records its calls and answers when the test settles them. */
function recordingTarget(docs: mongo.Document[]) {
  const calls: { kind: 'findOne' | 'find'; filter: unknown; projection: unknown; settle: (err?: unknown) => void }[] = [];
  const byId = (id: unknown) => docs.find((d) => d['_id'] === id) ?? null;
  const target: KeyReadTarget = {
    findOne: (filter, { projection }) =>
      new Promise((resolve, reject) => calls.push({ kind: 'findOne', filter, projection, settle: (err) => (err ? reject(err) : resolve(byId((filter as { _id: unknown })._id))) })),
    find: (filter, { projection }) => ({
      toArray: () =>
        new Promise((resolve, reject) =>
          calls.push({ kind: 'find', filter, projection, settle: (err) => (err ? reject(err) : resolve((filter as { _id: { $in: unknown[] } })._id.$in.map(byId).filter((d): d is mongo.Document => d !== null))) }),
        ),
    }),
  };
  return { target, calls };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyReadBatcher', () => {
  const docs = [{ _id: 'a', v: 1 }, { _id: 'b', v: 2 }];

  it('sends the lookups of one turn as one find by _id $in (each key once) and gives each caller its own document or null', async () => {
    const { target, calls } = recordingTarget(docs);
    const batcher = new KeyReadBatcher(target, { v: 1 });
    const reads = [batcher.read('a'), batcher.read('missing'), batcher.read('b'), batcher.read('a')];
    expect(calls).toHaveLength(0); // nothing leaves before the end of the turn
    await turn();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ kind: 'find', filter: { _id: { $in: ['a', 'missing', 'b'] } }, projection: { v: 1, _id: 1 } });
    calls[0]?.settle();
    await expect(Promise.all(reads)).resolves.toEqual([docs[0], null, docs[1], docs[0]]);
  });

  it('sends a lone lookup as a findOne, as before batching', async () => {
    const { target, calls } = recordingTarget(docs);
    const batcher = new KeyReadBatcher(target, {});
    const read = batcher.read('b');
    await turn();
    expect(calls).toMatchObject([{ kind: 'findOne', filter: { _id: 'b' }, projection: { _id: 1 } }]);
    calls[0]?.settle();
    await expect(read).resolves.toEqual(docs[1]);
  });

  it('rejects every caller of a batch whose command failed, and the next turn reads again', async () => {
    const { target, calls } = recordingTarget(docs);
    const batcher = new KeyReadBatcher(target, {});
    const reads = [batcher.read('a'), batcher.read('b')].map((p) => p.then(() => 'read', (err: Error) => err.message));
    await turn();
    calls[0]?.settle(new Error('connection reset'));
    await expect(Promise.all(reads)).resolves.toEqual(['connection reset', 'connection reset']);
    const again = batcher.read('a');
    await turn();
    expect(calls).toHaveLength(2);
    calls[1]?.settle();
    await expect(again).resolves.toEqual(docs[0]);
  });

  it('sends a batch at once when it reaches its bound, and the rest at the end of the turn', async () => {
    const { target, calls } = recordingTarget(docs);
    const batcher = new KeyReadBatcher(target, {}, 2);
    const reads = [batcher.read('a'), batcher.read('b'), batcher.read('missing')];
    expect(calls).toMatchObject([{ kind: 'find', filter: { _id: { $in: ['a', 'b'] } } }]);
    await turn();
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({ kind: 'findOne', filter: { _id: 'missing' } });
    calls.forEach((c) => c.settle());
    await expect(Promise.all(reads)).resolves.toEqual([docs[0], docs[1], null]);
  });
});
