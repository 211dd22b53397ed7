import { startOfNextUtcDay, startOfUtcDay, utcDayKey } from './utc-day';

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
