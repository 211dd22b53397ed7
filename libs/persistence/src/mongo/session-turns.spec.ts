import type { mongo } from 'mongoose';
import { readSessionTurns } from './session-turns';

/** A sessions collection that answers findOne and find (every session has `doc`) when told to, counting the reads. */
function sessions(doc: Record<string, unknown> | null) {
  const answers: Array<() => void> = [];
  const findOne = jest.fn((filter: { _id: string }) => new Promise((resolve) => answers.push(() => resolve(doc && { ...doc, _id: filter._id }))));
  const find = jest.fn((filter: { _id: { $in: string[] } }) => ({
    toArray: () => new Promise((resolve) => answers.push(() => resolve(doc ? filter._id.$in.map((_id) => ({ ...doc, _id })) : []))),
  }));
  return { collection: { findOne, find } as unknown as mongo.Collection, findOne, find, answerAll: () => answers.splice(0).forEach((a) => a()) };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('readSessionTurns', () => {
  const at = new Date('2026-12-01T10:00:00Z');
  const doc = { recent: [{ task_id: 't1', message_id: 'm1', created_at: at }, { task_id: 'bad' }], recent_complete: true };

  it('answers concurrent reads of one session with one read, and the reads of several sessions in one turn with one find', async () => {
    const s = sessions(doc);
    const a = readSessionTurns(s.collection, 'default:s1');
    const b = readSessionTurns(s.collection, 'default:s1');
    const other = readSessionTurns(s.collection, 'default:s2');
    await turn();
    expect(s.findOne).not.toHaveBeenCalled();
    expect(s.find).toHaveBeenCalledTimes(1); // s1 and s2 by primary key, in one round trip
    expect(s.find.mock.calls[0]?.[0]).toEqual({ _id: { $in: ['default:s1', 'default:s2'] } });
    s.answerAll();
    const expected = { turns: [{ task_id: 't1', message_id: 'm1', created_at: at }], complete: true };
    await expect(a).resolves.toEqual(expected);
    await expect(b).resolves.toEqual(expected);
    await expect(other).resolves.toEqual(expected);
  });

  it('shares only reads in flight: a read after the last one settled goes to the server again', async () => {
    const s = sessions(doc);
    const first = readSessionTurns(s.collection, 'default:s1');
    await turn();
    s.answerAll();
    await first;
    const second = readSessionTurns(s.collection, 'default:s1');
    await turn();
    expect(s.findOne).toHaveBeenCalledTimes(2);
    s.answerAll();
    await expect(second).resolves.toMatchObject({ complete: true });
  });

  it('passes a failed read to every caller sharing it, and the next read tries again', async () => {
    const findOne = jest.fn().mockRejectedValueOnce(new Error('connection reset')).mockResolvedValueOnce(null);
    const collection = { findOne } as unknown as mongo.Collection;
    const [a, b] = [readSessionTurns(collection, 'default:s1'), readSessionTurns(collection, 'default:s1')];
    await expect(a).rejects.toThrow('connection reset');
    await expect(b).rejects.toThrow('connection reset');
    await expect(readSessionTurns(collection, 'default:s1')).resolves.toBeNull();
    expect(findOne).toHaveBeenCalledTimes(2);
  });
});
