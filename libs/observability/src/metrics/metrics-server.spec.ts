import { Counter } from 'prom-client';
import { createMetricsRegistry } from './metrics-registry';
import { METRICS_REALM, METRICS_TOKEN_MESSAGE } from './metrics-auth';
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

  describe('with a token (METRICS_TOKEN)', () => {
    const token = 'scrape-token-0123456789abcdef';
    let guarded: MetricsServer;
    const scrape = (authorization?: string) =>
      fetch(`http://127.0.0.1:${guarded.port}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

    beforeAll(async () => {
      guarded = await startMetricsServer({ registry, port: 0, host: '127.0.0.1', token });
    });
    afterAll(() => guarded.close());

    it('answers 401 with the bearer challenge without the token or with a wrong one, and never shows the metrics', async () => {
      for (const header of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, token]) {
        const res = await scrape(header);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe(METRICS_REALM);
        const body = await res.json();
        expect(body).toEqual({ error: { type: 'UNAUTHORIZED', message: METRICS_TOKEN_MESSAGE } });
        expect(JSON.stringify(body)).not.toContain(token);
      }
    });

    it('answers 200 with the exposition for the right bearer token', async () => {
      const res = await scrape(`Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('example_total{service="worker"} 3');
    });
  });
});
