import express, { Router } from 'express';
import request from 'supertest';
import { recordingLogger } from '../../testing/fakes';
import { errorHandler } from './error-handler.middleware';
import { requestIdMiddleware } from './request-id.middleware';
import { optionsHandler, unmatchedRouteHandler } from './unmatched-route.middleware';

/** Routes registered every way Express allows, so a change in its internals shows up here. */
function app() {
  const a = express();
  a.use(requestIdMiddleware(recordingLogger().logger));
  a.use(optionsHandler());
  a.get('/direct', (_req, res) => void res.json({}));
  const atRoot = Router();
  atRoot.post('/v1/things', (_req, res) => void res.json({}));
  atRoot.get('/v1/things/:id', (_req, res) => void res.json({}));
  atRoot.delete('/v1/things/:id', (_req, res) => void res.json({}));
  a.use(atRoot);
  const mounted = Router();
  mounted.put('/items/:id', (_req, res) => void res.json({}));
  const nested = Router();
  nested.patch('/deep', (_req, res) => void res.json({}));
  mounted.use('/nested', nested);
  a.use('/mounted', mounted);
  a.get('/both', (_req, res) => void res.json({}));
  a.post('/both', (_req, res) => void res.json({}));
  a.use(unmatchedRouteHandler());
  a.use(errorHandler());
  return a;
}

describe('unmatched routes', () => {
  it.each([
    ['post', '/direct', 'GET, HEAD, OPTIONS'],
    ['get', '/v1/things', 'OPTIONS, POST'],
    ['put', '/v1/things/42', 'DELETE, GET, HEAD, OPTIONS'],
    ['get', '/mounted/items/7', 'OPTIONS, PUT'],
    ['get', '/mounted/nested/deep', 'OPTIONS, PATCH'],
    ['delete', '/both', 'GET, HEAD, OPTIONS, POST'],
  ] as const)('%s %s is a 405 with Allow: %s', async (method, path, allow) => {
    const res = await request(app())[method](path).set('X-Request-Id', 'm-1').expect(405);
    expect(res.headers['allow']).toBe(allow);
    expect(res.body).toEqual({
      error: { type: 'METHOD_NOT_ALLOWED', message: `${method.toUpperCase()} is not allowed on this path. Allowed: ${allow}.`, request_id: 'm-1' },
      api_version: 'v1',
    });
  });

  it.each(['/nope', '/v1/things/42/more', '/mounted/items', '/mounted/nested', '/directx'])('%s is a 404', async (path) => {
    const res = await request(app()).delete(path).expect(404);
    expect(res.body.error.type).toBe('NOT_FOUND');
    expect(res.headers['allow']).toBeUndefined();
  });

  it('still serves the routes themselves', async () => {
    await request(app()).get('/v1/things/1').expect(200);
    await request(app()).head('/direct').expect(200);
    await request(app()).patch('/mounted/nested/deep').expect(200);
  });

  it('answers OPTIONS on a known path with 204 and Allow, and 404 on an unknown one', async () => {
    const known = await request(app()).options('/v1/things/9').expect(204);
    expect(known.headers['allow']).toBe('DELETE, GET, HEAD, OPTIONS');
    expect(known.text).toBe('');
    const nested = await request(app()).options('/mounted/nested/deep').expect(204);
    expect(nested.headers['allow']).toBe('OPTIONS, PATCH');
    const unknown = await request(app()).options('/nope').expect(404);
    expect(unknown.body.error.type).toBe('NOT_FOUND');
  });

  it('is a 400 in the error shape, not a crash, when a path parameter is not valid URI encoding', async () => {
    const res = await request(app()).put('/v1/things/%E0%A4%A').expect(400);
    expect(res.body).toEqual({ error: expect.objectContaining({ type: 'VALIDATION_ERROR' }), api_version: 'v1' });
  });
});
