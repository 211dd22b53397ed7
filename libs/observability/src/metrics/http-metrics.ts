import { Counter, Histogram, type Registry } from 'prom-client';
import { methodLabel, statusLabel } from './labels';

const LABELS = ['method', 'route', 'status_code'] as const;

/** Seconds; from a fast health check to a slow list query. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `http_requests_total` and `http_request_duration_seconds` by method, route
 * template and status. The caller passes the template (`/v1/tasks/:task_id`),
 * never the raw path: that is what keeps the route label bounded.
 */
export class HttpMetrics {
  private readonly requests: Counter<(typeof LABELS)[number]>;
  private readonly duration: Histogram<(typeof LABELS)[number]>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: LABELS,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to finishing its response, by method, route template and status code.',
      labelNames: LABELS,
      buckets: HTTP_DURATION_BUCKETS,
      registers: [registry],
    });
  }

  observe(request: { method: string; route: string; status: number; seconds: number }): void {
    const labels = { method: methodLabel(request.method), route: request.route, status_code: statusLabel(request.status) };
    this.requests.inc(labels);
    this.duration.observe(labels, Math.max(0, request.seconds));
  }
}
