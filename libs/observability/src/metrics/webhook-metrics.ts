import { Counter, Histogram, type Registry } from 'prom-client';

/** Results of one webhook attempt (the `result` label). */
export const WEBHOOK_ATTEMPT_RESULTS = ['success', 'http_429', 'http_4xx', 'http_5xx', 'http_other', 'network', 'timeout', 'refused', 'no_secret'] as const;
/** How a delivery ended (the `outcome` label). */
export const WEBHOOK_OUTCOMES = ['delivered', 'failed'] as const;
/** Seconds of one attempt: short, the sender's total timeout is 10 s by default. */
export const WEBHOOK_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

const label = <T extends string>(allowed: readonly T[], value: string, fallback: T): T =>
  (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

/**
 * `webhook_attempts_total{result}`, `webhook_attempt_duration_seconds{result}` and
 * `webhook_deliveries_total{outcome}` (delivered, failed: a delivery counted once, when it ends).
 * Implements the WebhookObserver port of @agent-orchestrator/tasks.
 */
export class WebhookMetrics {
  private readonly attempts: Counter<'result'>;
  private readonly duration: Histogram<'result'>;
  private readonly deliveries: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.attempts = new Counter({
      name: 'webhook_attempts_total',
      help: 'Webhook delivery attempts, by result (success, http_5xx, timeout, refused, ...).',
      labelNames: ['result'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'webhook_attempt_duration_seconds',
      help: 'Duration of webhook delivery attempts, by result.',
      labelNames: ['result'],
      buckets: WEBHOOK_DURATION_BUCKETS,
      registers: [registry],
    });
    this.deliveries = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook deliveries that ended, by outcome (delivered, failed).',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  attempt(result: string, durationMs: number): void {
    const r = label(WEBHOOK_ATTEMPT_RESULTS, result, 'http_other');
    this.attempts.inc({ result: r });
    this.duration.observe({ result: r }, Math.max(0, Number.isFinite(durationMs) ? durationMs : 0) / 1000);
  }

  finished(outcome: string): void {
    this.deliveries.inc({ outcome: label(WEBHOOK_OUTCOMES, outcome, 'failed') });
  }
}
