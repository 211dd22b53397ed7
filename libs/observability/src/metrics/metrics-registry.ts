import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process (never prom-client's global one, so tests and two
 * apps in one process do not collide), with the standard process and Node.js
 * metrics under their usual names (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`...) and a
 * `service` label on every series (`api`, `worker`).
 */
export function createMetricsRegistry(service: string, options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** The Prometheus text exposition of a registry, with its content type. */
export async function exposition(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
