/**
 * The latency histogram of the counters: log-spaced buckets, so a day's p95 is
 * read from a few dozen numbers instead of the day's tasks.
 *
 * Bucket 0 holds [0, 10) ms; bucket i ≥ 1 holds [10·1.1^(i−1), 10·1.1^i) ms
 * (about 170 buckets up to a day; only the buckets that were hit are stored).
 * A percentile is read as the geometric middle of its bucket (5 ms for
 * bucket 0), rounded to 0.1 ms, so it is within ±4.9 % (+0.05 ms of rounding)
 * of the exact nearest-rank value, or ±5 ms below 10 ms. The average is exact
 * (sum / count).
 *
 * `boundedPercentile` then narrows that reading with what else the counters
 * know exactly: the day's count, sum, largest and smallest latency. The value
 * at rank r of n lies in [max(min, (sum − (n − r)·max) / r), min(max, (sum −
 * (r − 1)·min) / (n − r + 1))], so the reading is never above the day's max,
 * never below its min, and never below what the sum forces (with one task, or
 * all alike, it is exact: the p95 of one 54 ms task reads 54, not the bucket's
 * 53). The ±4.9 % bound above still holds; it is only tighter near the ends.
 */
import { nearestRank } from '@agent-orchestrator/domain';

/** Upper bound of bucket 0, ms. */
export const LATENCY_FIRST_BOUND_MS = 10;
/** Ratio between successive bucket bounds. */
export const LATENCY_BUCKET_RATIO = 1.1;
/** The largest relative error of a reported percentile at or above LATENCY_FIRST_BOUND_MS (√1.1 − 1). */
export const LATENCY_P95_MAX_RELATIVE_ERROR = Math.sqrt(LATENCY_BUCKET_RATIO) - 1;

const LOG_RATIO = Math.log(LATENCY_BUCKET_RATIO);

/** The bucket of a latency (negative and non-finite values count as 0). */
export function latencyBucket(ms: number): number {
  if (!(ms >= LATENCY_FIRST_BOUND_MS)) return 0;
  return Math.floor(Math.log(ms / LATENCY_FIRST_BOUND_MS) / LOG_RATIO) + 1;
}

/** [lower, upper) bounds of a bucket, ms. */
export function latencyBucketBounds(bucket: number): [number, number] {
  if (bucket <= 0) return [0, LATENCY_FIRST_BOUND_MS];
  return [LATENCY_FIRST_BOUND_MS * LATENCY_BUCKET_RATIO ** (bucket - 1), LATENCY_FIRST_BOUND_MS * LATENCY_BUCKET_RATIO ** bucket];
}

/** The value a bucket stands for: its geometric middle (half the bound for bucket 0), rounded to 0.1 ms. */
export function latencyBucketValue(bucket: number): number {
  const [lo, hi] = latencyBucketBounds(bucket);
  const mid = bucket <= 0 ? hi / 2 : Math.sqrt(lo * hi);
  return Math.round(mid * 10) / 10;
}

/** The bucket holding the nearest-rank percentile `p` of a histogram (bucket → count), its rank and the total; null when empty. */
function percentileBucket(buckets: ReadonlyMap<number, number>, p: number): { bucket: number; rank: number; total: number } | null {
  const entries = [...buckets.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = nearestRank(total, p);
  let seen = 0;
  for (const [bucket, n] of entries) {
    seen += n;
    if (seen >= rank) return { bucket, rank, total };
  }
  return null;
}

/** The nearest-rank percentile `p` of a histogram (bucket → count), as its bucket's value, or null when it is empty. */
export function histogramPercentile(buckets: ReadonlyMap<number, number>, p: number): number | null {
  const at = percentileBucket(buckets, p);
  return at && latencyBucketValue(at.bucket);
}

/** What the counters know exactly besides the histogram; max/min are null on days counted before they were kept. */
export interface LatencyTotals {
  count: number;
  sum: number;
  max: number | null;
  min: number | null;
}

/**
 * The nearest-rank percentile `p` of a histogram, narrowed to the values consistent with the day's exact
 * totals (see the header): never above the max, never below the min or the sum's lower bound. Null when empty.
 */
export function boundedPercentile(buckets: ReadonlyMap<number, number>, p: number, totals: LatencyTotals): number | null {
  const at = percentileBucket(buckets, p);
  if (!at) return null;
  const { bucket, rank, total: n } = at;
  const [lo, hi] = latencyBucketBounds(bucket);
  const { max, min } = totals;
  let lower = min === null ? lo : Math.max(lo, min);
  let upper = max === null ? hi : Math.min(hi, max);
  // The sum bounds need the histogram and the count to agree (they do, unless a counter drifted).
  if (totals.count === n) {
    if (max !== null) lower = Math.max(lower, (totals.sum - (n - rank) * max) / rank);
    if (min !== null) upper = Math.min(upper, (totals.sum - (rank - 1) * min) / (n - rank + 1));
  }
  const middle = latencyBucketValue(bucket);
  // Bounds that cross (float noise, a drifted counter): the max still caps the reading.
  if (lower > upper) return max === null ? middle : Math.min(middle, floorTenth(max));
  const value = Math.round(Math.min(Math.max(middle, lower), upper) * 10) / 10;
  // Rounding to 0.1 ms must not step out of the bounds (above the max least of all).
  if (value > upper) return floorTenth(upper);
  if (value < lower && ceilTenth(lower) <= upper) return ceilTenth(lower);
  return value;
}

const floorTenth = (x: number): number => Math.floor(x * 10 + 1e-9) / 10;
const ceilTenth = (x: number): number => Math.ceil(x * 10 - 1e-9) / 10;
