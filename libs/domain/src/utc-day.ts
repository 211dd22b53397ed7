/**
 * UTC-day arithmetic shared by the metrics writers (persistence stamps each
 * finished task with its UTC day) and readers (the API's "today").
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
