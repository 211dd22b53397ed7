import type { Registry as MetricsRegistry } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import { createMetricsRegistry } from './metrics-registry';
import { TaskMetrics } from './task-metrics';

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
