/**
 * Calendar and percentile arithmetic shared by the metrics writers (persistence
 * stamps each finished task with its UTC day) and readers (the API's "today").
 * "Today" is always the UTC day: one answer whatever the server's time zone.
 */

const DAY_MS = 86_400_000;

/** Midnight UTC at the start of `date`'s UTC day. */
export function startOfUtcDay(date: Date): Date {
  const t = date.getTime();
  return new Date(t - (((t % DAY_MS) + DAY_MS) % DAY_MS));
}

/** Midnight UTC at the start of the next UTC day. */
export function startOfNextUtcDay(date: Date): Date {
  return new Date(startOfUtcDay(date).getTime() + DAY_MS);
}

/** `YYYY-MM-DD` of `date` in UTC, e.g. `2025-01-31`. */
export function utcDayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * 1-based rank of the `p` percentile (0 < p <= 1) among `n` sorted values, by
 * the nearest-rank method: the smallest value with at least `p` of the values
 * at or below it. `nearestRank(20, 0.95)` is 19; `nearestRank(1, 0.95)` is 1.
 * Returns 0 when `n` is 0 (there is no percentile of nothing).
 */
export function nearestRank(n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!(p > 0 && p <= 1)) throw new RangeError(`p must be in (0, 1], got ${p}`);
  if (n === 0) return 0;
  // Rounding first absorbs float noise such as 0.95 * 20 = 19.000000000000004.
  return Math.min(n, Math.max(1, Math.ceil(Math.round(p * n * 1e9) / 1e9)));
}
