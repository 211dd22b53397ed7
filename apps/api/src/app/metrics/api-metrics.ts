import { HttpMetrics, TaskMetrics, createMetricsRegistry, type MetricsRegistry } from '@agent-orchestrator/observability';

/** The API process's Prometheus metrics: process metrics, HTTP requests, and the task outcomes the API itself reports (cancellations). */
export interface ApiMetrics {
  registry: MetricsRegistry;
  http: HttpMetrics;
  tasks: TaskMetrics;
}

export function createApiMetrics(): ApiMetrics {
  const registry = createMetricsRegistry('api');
  return { registry, http: new HttpMetrics(registry), tasks: new TaskMetrics(registry) };
}
