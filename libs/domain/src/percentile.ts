// Percentile arithmetic (nearest rank) for the latency figures of the system metrics.

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
