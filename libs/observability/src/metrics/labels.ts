// Label values for Prometheus series. Every label here is bounded: a value that
// could grow without limit (a raw URL, a model name the provider invents, a
// new agent) is clamped, because each distinct value is a new time series.

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** A method outside HTTP_METHODS (`PROPFIND`, junk). */
export const OTHER_METHOD = 'OTHER';
/** What a bounded label becomes once its limit of distinct values is reached. */
export const OTHER_VALUE = 'other';
/** `agent` when no agent was involved (a task that failed before routing). */
export const NO_AGENT = 'none';
/** Default number of distinct values a bounded label keeps. */
export const DEFAULT_LABEL_LIMIT = 50;

export function methodLabel(method: string): string {
  const upper = method.toUpperCase();
  return (HTTP_METHODS as readonly string[]).includes(upper) ? upper : OTHER_METHOD;
}

/** A three-digit status code as text; anything else (never expected) is `other`. */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER_VALUE;
}

/**
 * Keeps a label's values as given up to `limit` distinct ones, then maps every
 * new value to `other`. Values seen before the limit keep their series.
 * Empty or non-string values become `fallback`.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    readonly limit = DEFAULT_LABEL_LIMIT,
    private readonly fallback = 'unknown',
    /** Longest value kept; longer ones are cut (a label is not a place for prose). */
    private readonly maxLength = 100,
  ) {}

  value(raw: unknown): string {
    if (typeof raw !== 'string' || raw.trim() === '') return this.fallback;
    const v = raw.trim().slice(0, this.maxLength);
    if (this.seen.has(v)) return v;
    if (this.seen.size >= this.limit) return OTHER_VALUE;
    this.seen.add(v);
    return v;
  }
}
