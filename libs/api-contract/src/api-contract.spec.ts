// The contract on its own, without the api: the document is pure, every schema compiles, and it
// states the limits and patterns this lib exports (the api's specs hold the app's responses to it).
import { OPENAPI_PATH, IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PATTERN, MAX_TASK_PAGE_SIZE, DEFAULT_TASK_PAGE_SIZE, buildOpenApiDocument, type ParameterObject } from '.';
import { contractFor } from './testing';

const options = { taskMaxLength: 100, bodyLimitBytes: 2048 };

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument(options);

  it('is pure: the same options give an equal document', () => {
    expect(buildOpenApiDocument(options)).toEqual(document);
  });

  it('compiles: every schema, parameter and header, every $ref resolved', () => {
    expect(contractFor(document).compileAll()).toEqual([]);
  });

  it('states the exported limits and patterns', () => {
    const list = document.paths['/v1/tasks']?.get?.parameters?.find((p) => 'name' in p && p.name === 'limit') as ParameterObject;
    expect(list.schema).toMatchObject({ maximum: MAX_TASK_PAGE_SIZE, default: DEFAULT_TASK_PAGE_SIZE });
    const key = document.paths['/v1/agent/execute']?.post?.parameters?.find((p) => 'name' in p && p.name === IDEMPOTENCY_KEY_HEADER) as ParameterObject;
    expect(key.schema['pattern']).toBe(IDEMPOTENCY_KEY_PATTERN.source);
  });

  it('holds a response against itself with the test kit', () => {
    const body = JSON.stringify({ openapi: '3.1.0', info: {}, paths: {} });
    const exchange = { method: 'GET', path: OPENAPI_PATH, status: 200, headers: { 'x-request-id': 'r-1', 'content-type': 'application/json' }, body, bodyBytes: body.length };
    expect(contractFor(document).check(exchange)).toEqual([]);
    expect(contractFor(document).check({ ...exchange, status: 418 })).toEqual([expect.stringContaining('status 418 is not documented')]);
  });

  it('holds each message of an event stream against the event schema and its JSON data against TaskStreamEvent', () => {
    const taskId = '3b241101-e2bb-4255-8caf-4136c566a962';
    const message = (id: number, event: string, data: unknown) => `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    const envelope = { timestamp: '2026-12-02T09:00:00.000Z', task_id: taskId, agent_name: 'ContentAgent' };
    const exchange = (body: string) => ({
      method: 'GET',
      path: `/v1/tasks/${taskId}/stream`,
      status: 200,
      headers: { 'x-request-id': 'r-1', 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
      body,
      bodyBytes: body.length,
    });
    const good = `: ping\n\n${message(1, 'agent.started', { event: 'agent.started', ...envelope, data: { attempt: 1 } })}${message(2, 'delta', { event: 'delta', ...envelope, data: { text: 'Hi' } })}`;
    expect(contractFor(document).check(exchange(good))).toEqual([]);
    const badDelta = message(3, 'delta', { event: 'delta', ...envelope, data: { text: 1 } });
    expect(contractFor(document).check(exchange(badDelta))).toEqual(expect.arrayContaining([expect.stringContaining('event #0 (delta) data')]));
    expect(contractFor(document).check(exchange('id: x\nevent: nope\ndata: {}\n\n'))).toEqual(expect.arrayContaining([expect.stringContaining('event #0 (nope)')]));
  });
});
