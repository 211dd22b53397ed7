import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics-registry';
import { startMetricsServer, type MetricsServer } from './metrics-server';

describe('startMetricsServer', () => {
  let server: MetricsServer;
  const registry = createMetricsRegistry('worker');
  new Counter({ name: 'example_total', help: 'An example.', registers: [registry] }).inc(3);

  beforeAll(async () => {
    server = await startMetricsServer({ registry, port: 0, host: '127.0.0.1' });
  });
  afterAll(() => server.close());

  it('serves the exposition with process metrics and the service label on GET /metrics', async () => {
    expect(server.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('example_total{service="worker"} 3');
    expect(text).toMatch(/^process_cpu_seconds_total\{service="worker"\} /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes\{service="worker"\} /m);
  });

  it('answers 404 JSON elsewhere and 405 for another method', async () => {
    const missing = await fetch(`http://127.0.0.1:${server.port}/metricsx`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { type: 'NOT_FOUND', message: expect.any(String) } });
    const post = await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses to start on a port already in use', async () => {
    await expect(startMetricsServer({ registry, port: server.port, host: '127.0.0.1' })).rejects.toThrow(/EADDRINUSE/);
  });
});
