// GET /metrics and the HTTP metrics middleware, with in-memory fakes for MongoDB and Redis.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { findSamples } from '@agent-orchestrator/observability';
import { fakeMessaging, InMemoryStore, recordingLogger, testConfig } from '../../testing/fakes';
import { createApp } from '../app';
import { createApiMetrics } from '@agent-orchestrator/observability';
import { METRICS_DISABLED_MESSAGE, METRICS_REALM } from './metrics.route';

const TOKEN = 'scrape-token-0123456789abcdef';

function setup(env: Record<string, string> = {}) {
  const metrics = createApiMetrics();
  const app = createApp({
    config: testConfig({ API_RATE_LIMIT_PER_MINUTE: '0', ...env }),
    logger: recordingLogger().logger,
    store: new InMemoryStore(),
    ...fakeMessaging(),
    environment: 'unit',
    metrics,
  });
  return { app, metrics };
}

describe('GET /metrics', () => {
  it('serves the Prometheus exposition with HTTP metrics labelled by route template, never the raw id', async () => {
    const { app } = setup();
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await request(app).get(`/v1/tasks/${id}`).expect(404);
    await request(app).get('/healthz').expect(200);
    await request(app).get(`/no/such/${ids[0]}`).expect(404);

    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8/);
    expect(res.headers['cache-control']).toBe('no-store');
    const text = res.text;
    for (const id of ids) expect(text).not.toContain(id);
    expect(
      findSamples(text, 'http_requests_total', { method: 'GET', route: '/v1/tasks/:task_id', status_code: '404', service: 'api' }).map((s) => s.value),
    ).toEqual([2]);
    expect(findSamples(text, 'http_requests_total', { route: '/healthz', status_code: '200' }).map((s) => s.value)).toEqual([1]);
    expect(findSamples(text, 'http_requests_total', { route: '(unmatched)', status_code: '404' }).map((s) => s.value)).toEqual([1]);
    expect(findSamples(text, 'http_request_duration_seconds_count', { route: '/v1/tasks/:task_id' }).map((s) => s.value)).toEqual([2]);
    expect(findSamples(text, 'http_request_duration_seconds_bucket', { route: '/v1/tasks/:task_id', le: '+Inf' }).map((s) => s.value)).toEqual([2]);
    // process metrics, with the service label
    expect(findSamples(text, 'process_cpu_user_seconds_total', { service: 'api' })).toHaveLength(1);
    expect(findSamples(text, 'nodejs_eventloop_lag_seconds', { service: 'api' })).toHaveLength(1);
  });

  it('does not count its own scrapes, and clamps unknown methods', async () => {
    const { app } = setup();
    await request(app).get('/metrics').expect(200);
    await request(app).get('/metrics').expect(200);
    await request(app).propfind('/healthz');
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(findSamples(text, 'http_requests_total', { route: '/metrics' })).toEqual([]);
    const methods = findSamples(text, 'http_requests_total').map((s) => s.labels['method']);
    expect(methods).toEqual(['OTHER']);
  });

  it('is public and not rate limited, even when /v1 needs API keys and the limit is tiny', async () => {
    const { app } = setup({ API_KEYS: 'ops:ops-key-0123456789abcdef', API_RATE_LIMIT_PER_MINUTE: '1' });
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/metrics').expect(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('needs the bearer token when METRICS_TOKEN is set, compared exactly', async () => {
    const { app } = setup({ METRICS_TOKEN: TOKEN });
    const missing = await request(app).get('/metrics').expect(401);
    expect(missing.headers['www-authenticate']).toBe(METRICS_REALM);
    expect(missing.body).toMatchObject({ error: { type: 'UNAUTHORIZED', request_id: expect.any(String) }, api_version: 'v1' });
    await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
    await request(app)
      .get('/metrics')
      .set('Authorization', `Bearer ${TOKEN.slice(0, -1)}`)
      .expect(401);
    await request(app).get('/metrics').set('X-API-Key', TOKEN).expect(401);
    const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(ok.text).not.toContain(TOKEN);
    // refused scrapes are not counted either
    expect(findSamples(ok.text, 'http_requests_total')).toEqual([]);
  });

  it('serves exactly /metrics: other cases and a trailing slash are unknown paths (the load balancer rule is case-sensitive)', async () => {
    const { app } = setup();
    for (const path of ['/METRICS', '/Metrics', '/metrics/', '/metrics/x']) {
      const res = await request(app).get(path).expect(404);
      expect(res.text).not.toContain('process_cpu');
    }
    await request(app).get('/metrics?x=1').expect(200);
  });

  it('answers 404 when METRICS_ENABLED=false', async () => {
    const { app } = setup({ METRICS_ENABLED: 'false' });
    const res = await request(app).get('/metrics').expect(404);
    expect(res.body.error).toMatchObject({ type: 'NOT_FOUND', message: METRICS_DISABLED_MESSAGE });
  });

  it('answers 405 for other methods', async () => {
    const { app } = setup();
    const res = await request(app).post('/metrics').send({}).expect(405);
    expect(res.headers['allow']).toMatch(/GET/);
  });
});
