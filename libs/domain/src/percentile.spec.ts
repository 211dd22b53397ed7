import { nearestRank } from './percentile';

describe('nearestRank', () => {
  it.each([
    [0, 0.95, 0],
    [1, 0.95, 1],
    [2, 0.95, 2],
    [10, 0.95, 10],
    [19, 0.95, 19],
    [20, 0.95, 19],
    [21, 0.95, 20],
    [100, 0.95, 95],
    [101, 0.95, 96],
    [1_000_000, 0.95, 950_000],
    [10, 0.5, 5],
    [10, 1, 10],
  ])('n=%d p=%d -> rank %d', (n, p, rank) => {
    expect(nearestRank(n, p)).toBe(rank);
  });

  it('rejects nonsense', () => {
    expect(() => nearestRank(-1, 0.95)).toThrow(RangeError);
    expect(() => nearestRank(1.5, 0.95)).toThrow(RangeError);
    expect(() => nearestRank(10, 0)).toThrow(RangeError);
    expect(() => nearestRank(10, 1.1)).toThrow(RangeError);
  });
});
