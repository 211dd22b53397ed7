/**
 * The latency histogram of the counters: log-spaced buckets, so a day's p95 is
 * read from a few dozen numbers instead of the day's tasks.
 *
 * Bucket 0 holds [0, 10) ms; bucket i ≥ 1 holds [10·1.1^(i−1), 10·1.1^i) ms
 * (about 170 buckets up to a day; only the buckets that were hit are stored).
 * A percentile is reported as the geometric middle of its bucket (5 ms for
 * bucket 0), rounded to 0.1 ms, so it is within ±4.9 % (+0.05 ms of rounding)
 * of the exact nearest-rank value, or ±5 ms below 10 ms. The average is exact
 * (sum / count).
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

/** The nearest-rank percentile `p` of a histogram (bucket → count), or null when it is empty. */
export function histogramPercentile(buckets: ReadonlyMap<number, number>, p: number): number | null {
  const entries = [...buckets.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = nearestRank(total, p);
  let seen = 0;
  for (const [bucket, n] of entries) {
    seen += n;
    if (seen >= rank) return latencyBucketValue(bucket);
  }
  return null;
}
