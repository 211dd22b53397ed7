import { TurnBatch } from './turn-batch';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('sends the items of one turn together at the end of the turn, in order; a later turn is a batch of its own', async () => {
    const sent: number[][] = [];
    const batch = new TurnBatch<number>((items) => sent.push(items), 100);
    batch.add(1);
    batch.add(2);
    batch.add(3);
    expect(sent).toEqual([]);
    expect(batch.size).toBe(3);
    await nextTurn();
    expect(sent).toEqual([[1, 2, 3]]);
    expect(batch.size).toBe(0);
    batch.add(4);
    await nextTurn();
    expect(sent).toEqual([[1, 2, 3], [4]]);
  });

  it('sends at once when the weight reaches the bound, the rest at the end of the turn', async () => {
    const sent: string[][] = [];
    const batch = new TurnBatch<string>((items) => sent.push(items), 6, (s) => s.length);
    batch.add('abc');
    batch.add('def');
    expect(sent).toEqual([['abc', 'def']]);
    batch.add('g');
    await nextTurn();
    expect(sent).toEqual([['abc', 'def'], ['g']]);
  });

  it('flush sends what is waiting now, and nothing when nothing is', async () => {
    const sent: number[][] = [];
    const batch = new TurnBatch<number>((items) => sent.push(items), 10);
    batch.flush();
    batch.add(1);
    batch.flush();
    expect(sent).toEqual([[1]]);
    await nextTurn();
    expect(sent).toEqual([[1]]);
  });
});
