import { nearestRank, startOfNextUtcDay, startOfUtcDay, utcDayKey } from './metrics';

describe('UTC day helpers', () => {
  it.each([
    ['2025-03-04T00:00:00.000Z', '2025-03-04T00:00:00.000Z', '2025-03-05T00:00:00.000Z', '2025-03-04'],
    ['2025-03-04T23:59:59.999Z', '2025-03-04T00:00:00.000Z', '2025-03-05T00:00:00.000Z', '2025-03-04'],
    ['2024-12-31T12:00:00.000Z', '2024-12-31T00:00:00.000Z', '2025-01-01T00:00:00.000Z', '2024-12-31'],
    ['1969-12-31T18:00:00.000Z', '1969-12-31T00:00:00.000Z', '1970-01-01T00:00:00.000Z', '1969-12-31'],
  ])('%s starts its day at %s', (at, start, next, key) => {
    const date = new Date(at);
    expect(startOfUtcDay(date).toISOString()).toBe(start);
    expect(startOfNextUtcDay(date).toISOString()).toBe(next);
    expect(utcDayKey(date)).toBe(key);
  });

  it('ignores the local time zone (the offset is in the ISO string)', () => {
    expect(startOfUtcDay(new Date('2025-03-04T01:30:00+02:00')).toISOString()).toBe('2025-03-03T00:00:00.000Z');
  });
});

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
