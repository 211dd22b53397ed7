// WorkerMetrics' listener on a free local port. The queue is the CountableQueue port: a plain object answering job counts.
import { createLogger } from '../logger';
import { METRICS_REALM } from './metrics-auth';
import { WorkerMetrics } from './worker-metrics';

describe('WorkerMetrics listener and METRICS_TOKEN', () => {
  const token = 'worker-scrape-token-0123456789';
  const queue = { getJobCounts: async () => ({ waiting: 7, active: 1, delayed: 0, failed: 0, completed: 2, paused: 0 }) };
  const logger = createLogger({ service: 'worker', level: 'error', silent: true });

  it('serves the queue gauge only to scrapes with the bearer token when one is configured', async () => {
    const metrics = new WorkerMetrics({ metrics: { enabled: true, port: 0, host: '127.0.0.1', token }, queueDepthLogIntervalMs: 0, environment: 'unit' }, logger);
    await metrics.start(queue);
    try {
      const url = `http://127.0.0.1:${metrics.port}/metrics`;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe(METRICS_REALM);
      expect((await fetch(url, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status).toBe(401);
      const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('queue_jobs{state="waiting",service="worker"} 7');
    } finally {
      await metrics.stop();
    }
  });

  it('stays open without a token (development default)', async () => {
    const metrics = new WorkerMetrics({ metrics: { enabled: true, port: 0, host: '127.0.0.1' }, queueDepthLogIntervalMs: 0, environment: 'unit' }, logger);
    await metrics.start(queue);
    try {
      const res = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
      expect(res.status).toBe(200);
    } finally {
      await metrics.stop();
    }
  });
});
