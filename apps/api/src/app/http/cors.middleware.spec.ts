// CORS through the whole app (in-memory fakes), so auth and rate limiting sit where they do in production.
import request from 'supertest';
import { fakeMessaging, InMemoryStore, recordingLogger, testConfig } from '../../testing/fakes';
import { createApp } from '../app';

const EXECUTE = '/v1/agent/execute';
const TASK = '/v1/tasks/3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';
const APP_ORIGIN = 'https://app.example.com';
const KEY = 'cors-spec-key-0123456789';

function setup(env: Record<string, string> = {}) {
  const { logger } = recordingLogger();
  const config = testConfig({ API_RATE_LIMIT_PER_MINUTE: '10', CORS_ORIGINS: `${APP_ORIGIN}, http://localhost:5173`, ...env });
  return createApp({ config, logger, store: new InMemoryStore(), ...fakeMessaging(), environment: 'unit' });
}

const preflight = (app: ReturnType<typeof setup>, origin: string, headers = 'authorization, content-type, x-request-id') =>
  request(app).options(EXECUTE).set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', headers);

const CORS_HEADERS = ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-expose-headers', 'access-control-max-age', 'access-control-allow-credentials'];

describe('CORS', () => {
  describe('an allowed origin', () => {
    it('gets a 204 preflight allowing the methods and every header clients send', async () => {
      const res = await preflight(setup(), APP_ORIGIN).expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
      expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, OPTIONS');
      const allowed = res.headers['access-control-allow-headers']!.split(', ');
      expect(allowed).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID', 'X-API-Key', 'X-Request-Id']));
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers['vary']).toMatch(/Origin/);
      // No cookies, so no credentials mode.
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.text).toBe('');
    });

    it('gets its preflight answered even when API keys are required (browsers send preflights without them)', async () => {
      const res = await preflight(setup({ API_KEYS: `web:${KEY}` }), APP_ORIGIN).expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    });

    it('can read the headers that matter on real responses', async () => {
      const res = await request(setup()).post(EXECUTE).set('Origin', 'http://localhost:5173').send({ task: 'x' }).expect(202);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      const exposed = res.headers['access-control-expose-headers']!.split(', ');
      expect(exposed).toEqual(
        expect.arrayContaining(['X-Request-Id', 'Location', 'Retry-After', 'RateLimit-Policy', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
      );
      expect(res.headers['vary']).toMatch(/Origin/);
    });

    it('can read error responses too (401, 429), so the dashboard can show them', async () => {
      const app = setup({ API_KEYS: `web:${KEY}`, API_RATE_LIMIT_PER_MINUTE: '1' });
      const unauthorized = await request(app).get(TASK).set('Origin', APP_ORIGIN).expect(401);
      expect(unauthorized.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
      const limited = await request(app).get(TASK).set('Origin', APP_ORIGIN).expect(429);
      expect(limited.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    });
  });

  describe('any other origin', () => {
    it.each(['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'https://app.example.com:8443', 'null'])(
      'gets no CORS headers at all: %s',
      async (origin) => {
        const app = setup();
        const pre = await preflight(app, origin).expect(204);
        const res = await request(app).get(TASK).set('Origin', origin).expect(404);
        for (const name of CORS_HEADERS) {
          expect(pre.headers[name]).toBeUndefined();
          expect(res.headers[name]).toBeUndefined();
        }
      },
    );
  });

  it('sends no CORS headers when CORS_ORIGINS is empty (the default), preflight included', async () => {
    const app = setup({ CORS_ORIGINS: '' });
    const pre = await preflight(app, APP_ORIGIN).expect(204);
    const res = await request(app).get('/healthz').set('Origin', APP_ORIGIN).expect(200);
    for (const name of CORS_HEADERS) {
      expect(pre.headers[name]).toBeUndefined();
      expect(res.headers[name]).toBeUndefined();
    }
    expect(res.headers['vary'] ?? '').not.toMatch(/Origin/);
  });

  it('treats an OPTIONS request that is not a preflight as plain OPTIONS (204 with Allow)', async () => {
    const res = await request(setup()).options(EXECUTE).expect(204);
    expect(res.headers['allow']).toBe('OPTIONS, POST');
  });
});
