// The contract check catches what it must: responses that break the document (an undeclared status, a
// missing or mistyped field, a missing required header, an undocumented route or content type), both on
// its own and wired into createApp, where every api spec's responses go through it (jest-setup.ts).
import express from 'express';
import request from 'supertest';
import { newTask, type Task } from '@agent-orchestrator/domain';
import { createApp } from '../../app/app';
import { buildOpenApiDocument } from '@agent-orchestrator/api-contract';
import { fakeMessaging, FakeWorkerDirectory, InMemoryStore, recordingLogger, testConfig } from '../fakes';
import { ContractRecorder, OpenApiContract, contractCheck, sharedRecorder, type ContractExchange } from '.';

const document = buildOpenApiDocument({ taskMaxLength: 100, bodyLimitBytes: 2048, apiKeys: true });
const contract = new OpenApiContract(document as unknown as Record<string, unknown>);
const TASK_ID = '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';
const NOW = '2030-01-02T03:04:05.678Z';

const accepted = { task_id: TASK_ID, session_id: 's-1', status: 'queued', queued_at: NOW, message: 'Task accepted and queued.', api_version: 'v1' };
const errorBody = (type: string) => ({ error: { type, message: 'm', request_id: 'r-1' }, api_version: 'v1' });

function exchange(overrides: Partial<ContractExchange> & { json?: unknown } = {}): ContractExchange {
  const { json, ...rest } = overrides;
  const body = json === undefined ? undefined : JSON.stringify(json);
  return {
    method: 'POST',
    path: '/v1/agent/execute',
    route: '/v1/agent/execute',
    status: 202,
    headers: { 'x-request-id': 'r-1', 'content-type': 'application/json; charset=utf-8', location: `/v1/tasks/${TASK_ID}` },
    body,
    bodyBytes: body?.length ?? 0,
    ...rest,
    ...(json === undefined && rest.body === undefined && rest.bodyBytes === undefined ? { body: JSON.stringify(accepted), bodyBytes: 1 } : {}),
  };
}

describe('OpenApiContract', () => {
  it('accepts a response that keeps the contract', () => {
    expect(contract.check(exchange())).toEqual([]);
    expect(contract.check(exchange({ status: 400, route: '/v1/agent/execute', json: errorBody('VALIDATION_ERROR'), headers: { 'x-request-id': 'r', 'content-type': 'application/json' } }))).toEqual([]);
  });

  it('catches a status the operation does not declare', () => {
    expect(contract.check(exchange({ status: 418, json: errorBody('VALIDATION_ERROR') }))).toEqual([expect.stringMatching(/^status 418 is not documented \(documented: 202, 400, 401, 403, 409, 413, 415, 429, 500, 503\)$/)]);
    // 404 is declared for GET /v1/tasks/{task_id}, not for POST /v1/agent/execute.
    expect(contract.check(exchange({ status: 404, json: errorBody('NOT_FOUND') }))).toEqual([expect.stringContaining('status 404 is not documented')]);
  });

  it('catches a missing required field', () => {
    const { queued_at: _dropped, ...body } = accepted;
    expect(contract.check(exchange({ json: body }))).toEqual(["body must have required property 'queued_at'"]);
  });

  it('catches a field of the wrong type or format, and a field the document does not have', () => {
    expect(contract.check(exchange({ json: { ...accepted, queued_at: 1735689600000 } }))).toEqual(['body/queued_at must be string']);
    expect(contract.check(exchange({ json: { ...accepted, queued_at: '2 January 2030' } }))).toEqual(['body/queued_at must match format "date-time"']);
    expect(contract.check(exchange({ json: { ...accepted, status: 'sleeping' } }))).toEqual([expect.stringMatching(/^body\/status must be equal to one of the allowed values/)]);
    expect(contract.check(exchange({ json: { ...accepted, priority: 1 } }))).toEqual(['body must NOT have additional properties (priority)']);
  });

  it('catches the wrong error type for a status', () => {
    expect(contract.check(exchange({ status: 400, json: errorBody('NOT_FOUND') }))).toEqual([expect.stringMatching(/^body\/error\/type must be equal to constant/)]);
  });

  it('catches a missing required header and a header of the wrong form', () => {
    expect(contract.check(exchange({ headers: { 'x-request-id': 'r-1', 'content-type': 'application/json' } }))).toEqual(['required header Location is missing']);
    expect(contract.check(exchange({ headers: { 'content-type': 'application/json', location: `/v1/tasks/${TASK_ID}` } }))).toEqual(['required header X-Request-Id is missing']);
    const unavailable = { status: 503, json: errorBody('SERVICE_UNAVAILABLE') };
    expect(contract.check(exchange({ ...unavailable, headers: { 'x-request-id': 'r', 'content-type': 'application/json' } }))).toEqual(['required header Retry-After is missing']);
    expect(contract.check(exchange({ ...unavailable, headers: { 'x-request-id': 'r', 'content-type': 'application/json', 'retry-after': 'soon' } }))).toEqual([
      'header Retry-After ("soon") must be integer',
    ]);
    expect(contract.check(exchange({ ...unavailable, headers: { 'x-request-id': 'r', 'content-type': 'application/json', 'retry-after': '5' } }))).toEqual([]);
  });

  it('catches an undocumented content type, a body where none is documented and a missing body', () => {
    expect(contract.check(exchange({ headers: { 'x-request-id': 'r', 'content-type': 'text/plain', location: `/v1/tasks/${TASK_ID}` }, body: 'ok', bodyBytes: 2 }))).toEqual([
      'Content-Type text/plain is not documented (documented: application/json)',
    ]);
    expect(contract.check(exchange({ body: undefined, bodyBytes: 0 }))).toEqual(['no body where the document has application/json']);
    expect(contract.check(exchange({ json: '{"task_id":' }))).toEqual([expect.stringMatching(/^body must be object/)]);
  });

  it('catches a route the document does not describe', () => {
    expect(contract.check(exchange({ method: 'GET', path: '/v1/tasks/abc/steps', route: '/v1/tasks/:task_id/steps', status: 200, json: {} }))).toEqual([
      'served by the route /v1/tasks/:task_id/steps, which the document does not describe',
      expect.stringContaining('status 200 is not documented'),
    ]);
  });

  it('holds unmatched requests to the 404 / 405 rule', () => {
    const unmatched = (method: string, path: string, status: number, type: string, headers: Record<string, string> = {}) =>
      contract.check({ method, path, status, headers: { 'x-request-id': 'r', 'content-type': 'application/json', ...headers }, body: JSON.stringify(errorBody(type)), bodyBytes: 1 });
    expect(unmatched('GET', '/nope', 404, 'NOT_FOUND')).toEqual([]);
    expect(unmatched('DELETE', `/v1/tasks/${TASK_ID}`, 405, 'METHOD_NOT_ALLOWED', { allow: 'GET, HEAD, OPTIONS' })).toEqual([]);
    expect(unmatched('DELETE', `/v1/tasks/${TASK_ID}`, 405, 'METHOD_NOT_ALLOWED')).toEqual(['required header Allow is missing']);
    expect(unmatched('DELETE', `/v1/tasks/${TASK_ID}`, 404, 'NOT_FOUND')).toEqual(['the path exists (/v1/tasks/{task_id}): another method should get 405, not 404']);
    expect(unmatched('GET', '/nope', 405, 'METHOD_NOT_ALLOWED', { allow: 'GET' })).toEqual(['405 for a path the document does not have']);
    expect(unmatched('GET', '/nope', 200, 'NOT_FOUND')).toEqual([expect.stringContaining('status 200 is not documented')]);
    // Express fails a path that is not valid URI encoding before it matches any method.
    expect(unmatched('PUT', '/v1/tasks/%E0%A4%A', 400, 'VALIDATION_ERROR')).toEqual([]);
  });

  it('matches paths as Express does, holds HEAD to GET without a body and leaves empty OPTIONS 204s alone', () => {
    const task = { method: 'GET', route: '/v1/tasks/:task_id', status: 404, headers: { 'x-request-id': 'r', 'content-type': 'application/json' }, body: JSON.stringify(errorBody('NOT_FOUND')), bodyBytes: 1 };
    expect(contract.check({ ...task, path: `/V1/Tasks/${TASK_ID}/` })).toEqual([]);
    expect(contract.check({ ...task, method: 'HEAD', path: `/v1/tasks/${TASK_ID}`, body: undefined, bodyBytes: 0 })).toEqual([]);
    expect(contract.check({ method: 'OPTIONS', path: '/anything', status: 204, headers: {}, bodyBytes: 0 })).toEqual([]);
  });

  it('reports a document whose schemas Ajv refuses (strict) or whose $refs point nowhere', () => {
    const broken = JSON.parse(JSON.stringify(document)) as { components: { schemas: Record<string, Record<string, unknown>> }; paths: Record<string, { get?: { responses: object } }> };
    broken.components.schemas['Health'] = { type: 'object', properites: {} };
    broken.paths['/healthz']!.get!.responses = { '200': { $ref: '#/components/responses/Nope' } };
    const problems = new OpenApiContract(broken as unknown as Record<string, unknown>).compileAll();
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/Nope points at nothing/), expect.stringMatching(/^#\/components\/schemas\/Health: strict mode: unknown keyword: "properites"/)]),
    );
  });
});

describe('contractCheck in an app', () => {
  const seed = (store: InMemoryStore, overrides: Record<string, unknown>): Task => {
    const task = { ...newTask({ task_id: TASK_ID, session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'unit' }, now: new Date(NOW) }), ...overrides };
    store.tasks.set(TASK_ID, task as Task);
    return task as Task;
  };

  function setup() {
    const recorder = new ContractRecorder();
    const store = new InMemoryStore();
    const workers = new FakeWorkerDirectory();
    const app = createApp({
      config: testConfig({ API_RATE_LIMIT_PER_MINUTE: '0' }),
      logger: recordingLogger().logger,
      store,
      ...fakeMessaging(),
      environment: 'unit',
      workerDirectory: workers,
      contractCheck: contractCheck(recorder),
    });
    return { app, store, workers, recorder };
  }

  it('records nothing for responses that keep the contract', async () => {
    const { app, store, recorder } = setup();
    seed(store, {});
    await request(app).get(`/v1/tasks/${TASK_ID}`).expect(200);
    await request(app).get('/nope').expect(404);
    expect(recorder.take()).toEqual([]);
    expect(recorder.checked).toBe(2);
  });

  it('records a field the code sends with the wrong type, and one it leaves out', async () => {
    const { app, store, recorder } = setup();
    seed(store, { confidence: 'high', metadata: { ip: null, user_agent: null, request_id: 'r' } });
    await request(app).get(`/v1/tasks/${TASK_ID}`).expect(200);
    expect(recorder.take()).toEqual([
      {
        response: 'GET /v1/tasks/{task_id} → 200',
        problems: ["body/metadata must have required property 'environment'", 'body/confidence must be number,null'],
      },
    ]);
  });

  it('records a malformed part of a dashboard response', async () => {
    const { app, workers, recorder } = setup();
    workers.workers = [{ worker_id: 'w', hostname: 'h', pid: '1' as unknown as number, started_at: NOW, last_seen_at: 'yesterday', agents: [] }];
    await request(app).get('/v1/agents').expect(200);
    await request(app).get('/v1/system/metrics').expect(200);
    const [metrics] = recorder.take();
    expect(metrics?.response).toBe('GET /v1/system/metrics → 200');
    expect(metrics?.problems).toEqual(expect.arrayContaining(['body/workers/items/0/pid must be integer', 'body/workers/items/0/last_seen_at must match format "date-time"']));
  });

  it('records an undeclared status and an undocumented route of any app it is installed in', async () => {
    const recorder = new ContractRecorder();
    const app = express();
    app.use(contractCheck(recorder)(document));
    app.post('/v1/agent/execute', (_req, res) => void res.status(418).json(errorBody('VALIDATION_ERROR')));
    app.get('/v1/secret', (_req, res) => void res.json({}));
    await request(app).post('/v1/agent/execute').expect(418);
    await request(app).get('/v1/secret').expect(200);
    expect(recorder.take().map((v) => [v.response, v.problems[0]])).toEqual([
      ['POST /v1/agent/execute → 418', expect.stringContaining('status 418 is not documented')],
      ['GET /v1/secret (no such path) → 200', 'served by the route /v1/secret, which the document does not describe'],
    ]);
    expect(() => recorder.assertNone('in this test')).not.toThrow();
  });

  it('fails the test through the recorder jest-setup installs', async () => {
    const recorder = new ContractRecorder();
    recorder.record({ response: 'GET /x → 200', problems: ['body must be object'] });
    expect(() => recorder.assertNone('in this test')).toThrow(/1 response\(s\) in this test broke the OpenAPI contract[\s\S]*GET \/x → 200\n {4}- body must be object/);
  });

  it('is installed in every app the api specs build (jest-setup.ts)', async () => {
    const before = sharedRecorder.checked;
    const app = createApp({ config: testConfig(), logger: recordingLogger().logger, store: new InMemoryStore(), ...fakeMessaging(), environment: 'unit' });
    await request(app).get('/healthz').expect(200);
    expect(sharedRecorder.checked).toBe(before + 1);
  });
});
