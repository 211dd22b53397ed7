// GET /v1/openapi.json and the docs page (GET /docs and its assets): public even when API keys are
// required, not rate limited, served by the API itself (no CDN, no inline script). In-memory fakes.
// tools/ci/check-docs-page.mjs renders the page in a real headless Chromium.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { fakeMessaging, InMemoryStore, recordingLogger, testConfig } from '../../testing/fakes';
import { createApp } from '../app';
import { buildOpenApiDocument } from '@agent-orchestrator/api-contract';
import { DOCS_ASSETS } from './docs.assets';
import { swaggerUiDistPath } from './docs.route';

const KEY = 'docs-spec-key-0123456789';

function setup(env: Record<string, string> = {}) {
  const config = testConfig({ API_KEYS: `k:${KEY}`, API_RATE_LIMIT_PER_MINUTE: '1', TASK_MAX_LENGTH: '321', ...env });
  const app = createApp({ config, logger: recordingLogger().logger, store: new InMemoryStore(), ...fakeMessaging(), environment: 'unit' });
  return { app, config };
}

describe('GET /v1/openapi.json', () => {
  it('serves the document for this deployment, without an API key and without counting against the rate limit', async () => {
    const { app, config } = setup();
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/v1/openapi.json').expect(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual(buildOpenApiDocument({ taskMaxLength: config.taskMaxLength, bodyLimitBytes: config.bodyLimitBytes, apiKeys: true }));
      expect(res.headers['ratelimit-limit']).toBeUndefined();
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    // The rest of /v1 still needs the key.
    await request(app).get('/v1/tasks').expect(401);
  });

  it('is revalidated with an ETag: 304 while unchanged', async () => {
    const { app } = setup();
    const first = await request(app).get('/v1/openapi.json').expect(200);
    const again = await request(app).get('/v1/openapi.json').set('If-None-Match', first.headers['etag']!).expect(304);
    expect(again.text).toBe('');
  });

  it('takes only GET: another method is a 405 with Allow', async () => {
    const { app } = setup({ API_KEYS: '' });
    const res = await request(app).post('/v1/openapi.json').send({}).expect(405);
    expect(res.headers['allow']).toBe('GET, HEAD, OPTIONS');
  });
});

describe('GET /docs', () => {
  it('serves the page without an API key and without counting against the rate limit', async () => {
    const { app } = setup();
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/docs').expect(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('loads Swagger UI and its initializer from the API itself: no CDN, no inline script', async () => {
    const { app } = setup();
    const html = (await request(app).get('/docs').expect(200)).text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => /src="([^"]+)"/.exec(m[1] ?? '')?.[1])).toEqual(['/docs/swagger-ui-bundle.js', '/docs/docs-initializer.js']);
    expect(scripts.every((m) => (m[2] ?? '').trim() === '')).toBe(true);
    const links = [...html.matchAll(/<link\b[^>]*href="([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(['/docs/swagger-ui.css', '/docs/index.css', '/docs/favicon-32x32.png', '/docs/favicon-16x16.png']);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/\bon[a-z]+=/i);
  });

  it('has a Content-Security-Policy that forbids inline and foreign scripts and does not upgrade to HTTPS', async () => {
    const { app } = setup();
    const csp = (await request(app).get('/docs').expect(200)).headers['content-security-policy']!;
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives).not.toHaveProperty('upgrade-insecure-requests');
  });

  it('serves every asset the page loads, from swagger-ui-dist or its own initializer, without an API key', async () => {
    const { app } = setup();
    for (const [name, asset] of Object.entries(DOCS_ASSETS)) {
      const res = await request(app).get(`/docs/${name}`).buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
      expect([name, res.status, res.headers['content-type']]).toEqual([name, 200, asset.contentType]);
      const body = res.body as Buffer;
      if ('file' in asset) expect(body.equals(readFileSync(join(swaggerUiDistPath(), asset.file)))).toBe(true);
      expect(res.headers['cache-control']).toBe('public, max-age=3600');
    }
  });

  it('starts Swagger UI on /v1/openapi.json and sends the document nowhere else', async () => {
    const { app } = setup();
    const js = (await request(app).get('/docs/docs-initializer.js').expect(200)).text;
    expect(js).toContain('url: "/v1/openapi.json"');
    expect(js).toContain('validatorUrl: null');
    expect(js).not.toMatch(/https?:\/\//);
  });

  it.each(['index.html', 'swagger-initializer.js', 'swagger-ui-bundle.js.map', 'package.json', '..%2Fpackage.json'])(
    'serves nothing else of swagger-ui-dist: /docs/%s is a 404',
    async (name) => {
      const { app } = setup();
      const res = await request(app).get(`/docs/${name}`).expect(404);
      expect(res.body.error.type).toBe('NOT_FOUND');
    },
  );

  it('lets browsers revalidate assets (304) and sends them whole, whatever the Range', async () => {
    const { app } = setup();
    const first = await request(app).get('/docs/swagger-ui.css').expect(200);
    await request(app).get('/docs/swagger-ui.css').set('If-None-Match', first.headers['etag']!).expect(304);
    const ranged = await request(app).get('/docs/swagger-ui.css').set('Range', 'bytes=0-9').expect(200);
    expect(ranged.text.length).toBeGreaterThan(10);
    expect(ranged.headers['accept-ranges']).toBeUndefined();
  });

  it('answers a file name that is not valid URI encoding with 400', async () => {
    const { app } = setup();
    expect((await request(app).get('/docs/%E0%A4%A').expect(400)).body.error.type).toBe('VALIDATION_ERROR');
  });

  it('answers HEAD like GET, without a body', async () => {
    const { app } = setup();
    const res = await request(app).head('/docs/swagger-ui.css').expect(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
  });
});
