import type { mongo } from 'mongoose';
import { readSessionTurns } from './session-turns';

/** A sessions collection that answers findOne when told to, counting the reads. */
function sessions(doc: Record<string, unknown> | null) {
  const answers: Array<() => void> = [];
  const findOne = jest.fn(() => new Promise((resolve) => answers.push(() => resolve(doc))));
  return { collection: { findOne } as unknown as mongo.Collection, findOne, answerAll: () => answers.splice(0).forEach((a) => a()) };
}

describe('readSessionTurns', () => {
  const at = new Date('2026-12-01T10:00:00Z');
  const doc = { recent: [{ task_id: 't1', message_id: 'm1', created_at: at }, { task_id: 'bad' }], recent_complete: true };

  it('answers concurrent reads of one session with one read (the worker reads tasks and messages side by side)', async () => {
    const s = sessions(doc);
    const a = readSessionTurns(s.collection, 'default:s1');
    const b = readSessionTurns(s.collection, 'default:s1');
    const other = readSessionTurns(s.collection, 'default:s2');
    expect(s.findOne).toHaveBeenCalledTimes(2); // s1 once, s2 once
    s.answerAll();
    const expected = { turns: [{ task_id: 't1', message_id: 'm1', created_at: at }], complete: true };
    await expect(a).resolves.toEqual(expected);
    await expect(b).resolves.toEqual(expected);
    await expect(other).resolves.toEqual(expected);
  });

  it('shares only reads in flight: a read after the last one settled goes to the server again', async () => {
    const s = sessions(doc);
    const first = readSessionTurns(s.collection, 'default:s1');
    s.answerAll();
    await first;
    const second = readSessionTurns(s.collection, 'default:s1');
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
