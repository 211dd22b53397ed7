// The OpenAPI document itself: a well-formed 3.1 document whose every $ref resolves and every schema
// compiles (Ajv, strict), which describes exactly the routes the app registers.
import { ErrorType, newTask } from '@agent-orchestrator/domain';
import { fakeMessaging, InMemoryStore, recordingLogger, testConfig } from '../../testing/fakes';
import { OpenApiContract, registeredRoutes } from '../../testing/contract';
import { createApp } from '../app';
import { presentTask } from '../tasks/task.presenter';
import { buildOpenApiDocument, type OpenApiDocument, type OperationObject, type ParameterObject, type Reference } from '@agent-orchestrator/api-contract';

const document = buildOpenApiDocument({ taskMaxLength: 20000, bodyLimitBytes: 84096, apiKeys: true, metricsToken: true });
const operations = (doc: OpenApiDocument): [string, string, OperationObject][] =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [path, method, op as OperationObject] as [string, string, OperationObject]));
const isRef = (value: object): value is Reference => '$ref' in value;

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the parts a reader needs', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String), description: expect.stringContaining('API_KEYS') });
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth', 'metricsToken']);
    expect(document.components.securitySchemes['apiKeyHeader']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(document.components.securitySchemes['bearerAuth']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('declares API-key security and its 401s only when the deployment has keys, the metrics token only when it is set', () => {
    const open = buildOpenApiDocument({ taskMaxLength: 20000, bodyLimitBytes: 84096 });
    expect(open.components.securitySchemes).toEqual({});
    expect(open.components.responses['Unauthorized']).toBeUndefined();
    const ops = operations(open);
    expect(ops.filter(([, , op]) => (op.security ?? []).length > 0 || '401' in op.responses).map(([path]) => path)).toEqual([]);
    expect(operations(document).find(([path]) => path === '/v1/tasks')?.[2]).toMatchObject({ security: [{ bearerAuth: [] }, { apiKeyHeader: [] }], responses: { '401': expect.anything() } });
    expect(operations(document).find(([path]) => path === '/metrics')?.[2].security).toEqual([{ metricsToken: [] }]);
  });

  it('gives every operation a 4xx answer and uses every component response (Redocly\'s recommended rules)', () => {
    for (const doc of [document, buildOpenApiDocument({ taskMaxLength: 20000, bodyLimitBytes: 84096 })]) {
      expect(operations(doc).filter(([, , op]) => !Object.keys(op.responses).some((s) => s.startsWith('4'))).map(([path]) => path)).toEqual([]);
      const text = JSON.stringify(doc.paths);
      expect(Object.keys(doc.components.responses).filter((name) => !text.includes(`"#/components/responses/${name}"`))).toEqual([]);
    }
  });

  it('resolves every $ref and compiles every schema with Ajv in strict mode', () => {
    expect(new OpenApiContract(document as unknown as Record<string, unknown>).compileAll()).toEqual([]);
  });

  it('says null the 3.1 way: Ajv would accept OpenAPI 3.0\'s `nullable`, 3.1 tools would not', () => {
    const keys = new Set<string>();
    JSON.stringify(document, (key, value: unknown) => (keys.add(key), value));
    expect(keys.has('nullable')).toBe(false);
  });

  it('is plain JSON, and the same for the same settings', () => {
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
    expect(buildOpenApiDocument({ taskMaxLength: 20000, bodyLimitBytes: 84096, apiKeys: true, metricsToken: true })).toEqual(document);
  });

  it('states the deployment\'s task length and body limits', () => {
    const doc = buildOpenApiDocument({ taskMaxLength: 123, bodyLimitBytes: 4567 });
    expect(JSON.stringify(doc.paths['/v1/agent/execute']?.post?.requestBody)).toContain('"maxLength":123');
    expect(doc.components.responses['PayloadTooLarge']?.description).toContain('4567 bytes');
  });

  it('gives every operation a unique operationId, a declared tag, a summary and a 500', () => {
    const ops = operations(document);
    expect(ops.length).toBeGreaterThanOrEqual(10);
    const ids = ops.map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = document.tags.map((t) => t.name);
    for (const [path, method, op] of ops) {
      expect([path, method, op.tags.every((t) => tags.includes(t)), op.summary.length > 0, '500' in op.responses]).toEqual([path, method, true, true, true]);
    }
  });

  it('declares every path parameter of every template, as required', () => {
    for (const [path, method, op] of operations(document)) {
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? [])
        .map((p) => (isRef(p) ? document.components.parameters[p.$ref.split('/').pop()!]! : p))
        .filter((p): p is ParameterObject => p.in === 'path');
      expect([path, method, declared.map((p) => p.name)]).toEqual([path, method, inTemplate]);
      for (const p of declared) expect(p.required).toBe(true);
    }
  });

  it('protects every /v1 operation with the API key schemes (401, 429) and leaves the rest public', () => {
    for (const [path, method, op] of operations(document)) {
      const publicOp = !path.startsWith('/v1/') || path === '/v1/openapi.json';
      if (path === '/metrics') {
        // Open, or behind its own token (METRICS_TOKEN), never an API key.
        expect([path, method, op.security]).toEqual([path, method, [{ metricsToken: [] }]]);
        expect(op.responses['429']).toBeUndefined();
      } else if (publicOp) {
        expect([path, method, op.security]).toEqual([path, method, []]);
        expect(op.responses['401']).toBeUndefined();
      } else {
        expect([path, method, op.security]).toEqual([path, method, [{ bearerAuth: [] }, { apiKeyHeader: [] }]]);
        expect(op.responses['401']).toEqual({ $ref: '#/components/responses/Unauthorized' });
        expect(op.responses['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
        // The stream's 429 is also "too many open streams", which comes without the RateLimit-* headers when limiting is off.
        // The submission's 429 is also a tenant limit (TENANT_TASK_LIMIT, QUOTA_EXCEEDED).
        const tooMany = path === '/v1/tasks/{task_id}/stream' ? 'TooManyRequestsOrStreams' : path === '/v1/agent/execute' ? 'TooManySubmissions' : 'TooManyRequests';
        expect(op.responses['429']).toEqual({ $ref: `#/components/responses/${tooMany}` });
      }
    }
  });

  it('lists every domain error type in the error shape', () => {
    const errorSchema = document.components.schemas['Error'] as { properties: { error: { properties: { type: { enum: string[] } } } } };
    expect(errorSchema.properties.error.properties.type.enum).toEqual(Object.values(ErrorType));
  });

  it('describes every field the task presenter writes, and no other', () => {
    const task = presentTask(
      newTask({ task_id: 'a', session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'e' }, now: new Date() }),
    );
    const schema = document.components.schemas['Task'] as { properties: object; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual([...Object.keys(task), 'api_version'].sort());
    expect(schema.required.sort()).toEqual(Object.keys(schema.properties).sort());
  });

  it('describes exactly the routes the app registers', () => {
    const app = createApp({
      config: testConfig(),
      logger: recordingLogger().logger,
      store: new InMemoryStore(),
      ...fakeMessaging(),
      environment: 'unit',
    });
    const documented = operations(document)
      .map(([path, method]) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(registeredRoutes(app)).toEqual(documented);
  });
});
