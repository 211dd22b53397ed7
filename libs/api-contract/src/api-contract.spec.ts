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
});
