/**
 * The OpenAPI 3.1 document of the API, served at GET /v1/openapi.json and
 * rendered at GET /docs. It is built from the same constants the code enforces
 * (error types, statuses, patterns, limits) and held against every response
 * the api and e2e test suites see (`@agent-orchestrator/api-contract/testing`), so it cannot drift
 * from the code: a route, status, header or field the code answers with and
 * this document lacks fails those tests.
 */
import { ErrorType } from '@agent-orchestrator/domain';
import {
  AGENT_TYPE_PATTERN,
  DEFAULT_TASK_PAGE_SIZE,
  DOCS_ASSET_NAMES,
  DOCS_PATH,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENT_REPLAYED_HEADER,
  MAX_TASK_PAGE_SIZE,
  METRICS_PATH,
  OPENAPI_PATH,
  SESSION_ID_PATTERN,
  SYSTEM_METRICS_PATH,
} from '../http';
import { METRICS_SECURITY_SCHEME, metricsPathItem } from './openapi.metrics';
import { STREAM_DESCRIPTION, STREAM_MESSAGE_SCHEMA } from './openapi.stream';
import { REQUEST_ID_SCHEMA, UUID_V4_PATTERN, componentSchemas, executeRequestSchema, ref } from './openapi.schemas';
import type { HeaderObject, JsonSchema, MediaTypeObject, OpenApiDocument, OperationObject, Reference, ResponseObject, SecurityRequirement } from './openapi.types';

export interface OpenApiOptions {
  /** TASK_MAX_LENGTH: the document states the deployment's real limit. */
  taskMaxLength: number;
  /** BODY_LIMIT_BYTES. */
  bodyLimitBytes: number;
  /**
   * Whether the deployment sets API_KEYS. Only then does the document declare API-key security (and
   * the 401s that come with it): an open deployment enforces none, and its document says so.
   */
  apiKeys?: boolean;
  /** Whether the deployment sets METRICS_TOKEN: only then does `GET /metrics` declare its bearer token. */
  metricsToken?: boolean;
  /** WEBHOOK_ALLOW_HTTP: `callback_url` may be http:// too. */
  callbackAllowHttp?: boolean;
}

const headerRef = (name: string): Reference => ({ $ref: `#/components/headers/${name}` });
const responseRef = (name: string): Reference => ({ $ref: `#/components/responses/${name}` });
const parameterRef = (name: string): Reference => ({ $ref: `#/components/parameters/${name}` });

/** express-rate-limit's `standardHeaders: 'draft-6'`, sent on /v1 responses while limiting is on. */
const RATE_LIMIT_HEADERS = {
  RateLimitPolicy: { description: 'The limit and its window in seconds, e.g. `60;w=60`. Sent while rate limiting is on.', schema: { type: 'string', pattern: '^\\d+;w=\\d+$' } },
  RateLimitLimit: { description: 'Requests allowed per window. Sent while rate limiting is on.', schema: { type: 'integer', minimum: 1 } },
  RateLimitRemaining: { description: 'Requests left in the current window. Sent while rate limiting is on.', schema: { type: 'integer', minimum: 0 } },
  RateLimitReset: { description: 'Seconds until the window resets. Sent while rate limiting is on.', schema: { type: 'integer', minimum: 0 } },
} satisfies Record<string, HeaderObject>;
/** Headers on every response of a /v1 route: the request id, and the rate-limit state when limiting is on. */
const V1_HEADERS: Record<string, Reference> = {
  'X-Request-Id': headerRef('XRequestId'),
  'RateLimit-Policy': headerRef('RateLimitPolicy'),
  'RateLimit-Limit': headerRef('RateLimitLimit'),
  'RateLimit-Remaining': headerRef('RateLimitRemaining'),
  'RateLimit-Reset': headerRef('RateLimitReset'),
};
const PUBLIC_HEADERS: Record<string, Reference> = { 'X-Request-Id': headerRef('XRequestId') };

/** What the server parses as an instant (`parseIsoDate`): a date (midnight UTC) or a date-time with a zone; anything else is a 400. */
const ISO_DATE_OR_DATE_TIME: JsonSchema = { anyOf: [{ type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }] };

const json = (schema: JsonSchema): Record<string, MediaTypeObject> => ({ 'application/json': { schema } });

function errorResponse(type: ErrorType, description: string, headers: Record<string, HeaderObject | Reference> = {}): ResponseObject {
  return {
    description,
    headers: { ...V1_HEADERS, ...headers },
    content: json({
      allOf: [ref('Error'), { type: 'object', properties: { error: { type: 'object', properties: { type: { const: type } } } } }],
    }),
  };
}

/** The error responses every /v1 operation can give besides its own (401 and 403 only when API keys are configured). */
const v1Errors = (apiKeys: boolean): Record<string, Reference> => ({
  ...(apiKeys ? { '401': responseRef('Unauthorized'), '403': responseRef('Forbidden') } : {}),
  '429': responseRef('TooManyRequests'),
  '500': responseRef('InternalError'),
});

const V1_SECURITY: SecurityRequirement[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** A /v1 operation: the shared errors, and API-key security when the deployment has keys (none otherwise). */
const v1OperationFor =
  (apiKeys: boolean) =>
  (operation: Omit<OperationObject, 'security'>): OperationObject => ({
    ...operation,
    responses: { ...operation.responses, ...v1Errors(apiKeys) },
    security: apiKeys ? V1_SECURITY : [],
  });

/** `POST /v1/agent/execute`: its 429 is also a tenant limit (`TENANT_TASK_LIMIT`, `QUOTA_EXCEEDED`). */
const v1SubmitFor =
  (apiKeys: boolean) =>
  (operation: Omit<OperationObject, 'security'>): OperationObject => {
    const op = v1OperationFor(apiKeys)(operation);
    return { ...op, responses: { ...op.responses, '429': responseRef('TooManySubmissions') } };
  };

/** On a 405: the methods the path accepts. */
const ALLOW_HEADER: HeaderObject = { description: 'The methods the path accepts.', required: true, schema: { type: 'string', pattern: '^[A-Z]+(, [A-Z]+)*$' } };

/** The public endpoints (health, this document, the docs page) take no query parameters: any is a 400 naming it. */
const PUBLIC_BAD_REQUEST: ResponseObject = {
  ...errorResponse(ErrorType.VALIDATION_ERROR, 'A query parameter was given: this endpoint takes none (`error.details` names each).'),
  headers: PUBLIC_HEADERS,
};

/**
 * A /v1 operation whose 429 is also "too many open streams": `Retry-After` always, the `RateLimit-*`
 * headers only while rate limiting is on.
 */
const v1StreamFor =
  (apiKeys: boolean) =>
  (operation: Omit<OperationObject, 'security'>): OperationObject => {
    const op = v1OperationFor(apiKeys)(operation);
    return { ...op, responses: { ...op.responses, '429': responseRef('TooManyRequestsOrStreams') } };
  };

/**
 * Express gives every GET answer an ETag and answers a matching If-None-Match (or, for the docs
 * assets, If-Modified-Since) with an empty 304; browsers do so on their own when they revalidate.
 */
function withNotModified(paths: OpenApiDocument['paths']): OpenApiDocument['paths'] {
  return Object.fromEntries(
    Object.entries(paths).map(([path, item]) => [path, item.get ? { ...item, get: { ...item.get, responses: { '304': responseRef('NotModified'), ...item.get.responses } } } : item]),
  );
}

const DESCRIPTION = `
Agent Orchestrator accepts tasks in plain language, routes each to the agent that fits (code, writing…) and keeps everything it did.
Submit with \`POST /v1/agent/execute\` (202 with a \`Location\`), then poll \`GET /v1/tasks/{task_id}\` until \`status\` is \`completed\` or \`failed\`,
or follow it live with \`GET /v1/tasks/{task_id}/stream\` (Server-Sent Events: each step and the agent's text as it is written, resumable with \`Last-Event-ID\`).

**Conventions.** Every JSON body carries \`api_version: "v1"\`; fields are snake_case; dates are ISO 8601 in UTC.
New fields may be added within v1: ignore those you do not know.

**Errors** always have one shape, \`{ "error": { "type", "message", "details"?, "request_id" }, "api_version" }\`, with the status the type implies:
400 \`VALIDATION_ERROR\`, 401 \`UNAUTHORIZED\`, 403 \`FORBIDDEN\`, 404 \`NOT_FOUND\`, 405 \`METHOD_NOT_ALLOWED\`, 409 \`CONFLICT\`, 413 \`PAYLOAD_TOO_LARGE\`, 415 \`UNSUPPORTED_MEDIA_TYPE\`,
429 \`RATE_LIMITED\` (and, on submissions, \`TENANT_TASK_LIMIT\` or \`QUOTA_EXCEEDED\`), 503 \`SERVICE_UNAVAILABLE\` (retry after \`Retry-After\` seconds) and 500 \`INTERNAL_ERROR\` (a bug; never with internals).
Any path not listed here answers 404; a listed path with another method answers 405 with \`Allow\`.

**Reliability.** A 202 means the task is stored in MongoDB: if the queue (Redis) is briefly unreachable it stays \`queued\` and is enqueued by the workers' reconciler.
Send \`Idempotency-Key\` with \`POST /v1/agent/execute\` to make a retry safe: the same key and body give the same task (\`Idempotent-Replayed: true\`) for IDEMPOTENCY_TTL_HOURS (24 by default), another body is a 409.
A task that failed for a transient cause (\`TIMEOUT\`, \`LLM_ERROR\`, \`SEARCH_ERROR\`, \`SERVICE_UNAVAILABLE\`, \`INTERNAL_ERROR\`) can be run again with \`POST /v1/tasks/{task_id}/retry\`.

**Request ids.** Send \`X-Request-Id\` (1 to 128 of \`A-Z a-z 0-9 . _ : -\`) to correlate; otherwise one is generated. It is echoed in the response,
in error bodies, in the logs and on the task.

**API keys and tenants.** Only when the deployment sets \`API_KEYS\`: every \`/v1\` route then needs \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`
(401 otherwise). Each key belongs to a tenant and carries scopes: \`tasks:submit\` (submit), \`tasks:read\` (list, get, events, stream, \`/v1/usage\`),
\`tasks:manage\` (cancel, retry), \`system:read\` (\`/v1/agents\`, \`/v1/system/...\`), \`admin\` (all of them); a route outside the key's scopes is a 403 \`FORBIDDEN\` naming the scope.
A key sees only its tenant's tasks: another tenant's task answers 404 exactly like an unknown id, lists hold only the tenant's tasks,
a \`session_id\` and an \`Idempotency-Key\` are the tenant's own. Without keys the API is open, as one tenant (\`default\`) with every scope.
\`/healthz\`, \`/readyz\`, this document and the docs page are always public.

**Rate limits.** Requests per minute per tenant (\`TENANT_LIMITS\`, else \`API_RATE_LIMIT_PER_MINUTE\`; every key of a tenant shares the budget), else per client IP, shared by all API instances.
A tenant may also be limited in tasks queued or processing at once (429 \`TENANT_TASK_LIMIT\`) and in tokens or cost per UTC day (429 \`QUOTA_EXCEEDED\` until midnight UTC), both with \`Retry-After\`.
\`/v1\` responses carry \`RateLimit-Policy\`, \`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\` (IETF draft 6) while limiting is on;
a 429 adds \`Retry-After\`. Health checks, this document and the docs page are not limited.

**CORS.** Browsers on the origins in \`CORS_ORIGINS\` may call the API and read \`X-Request-Id\`, \`Location\`, \`Retry-After\` and the \`RateLimit-*\` headers.
\`OPTIONS\` answers 204: preflights on any path (with the CORS headers for allowed origins only), other requests on a listed path with \`Allow\`.
`.trim();

/** The document for one deployment's settings. Pure: the same options give an equal document. */
export function buildOpenApiDocument(options: OpenApiOptions): OpenApiDocument {
  const apiKeys = options.apiKeys === true;
  const v1Operation = v1OperationFor(apiKeys);
  const v1Stream = v1StreamFor(apiKeys);
  const v1Submit = v1SubmitFor(apiKeys);
  return {
    openapi: '3.1.0',
    info: { title: 'Agent Orchestrator API', version: '1.0.0', description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    // Relative: the document is served by the API it describes, at whatever origin that is.
    servers: [{ url: '/', description: 'The API that serves this document.' }],
    tags: [
      { name: 'Tasks', description: 'Submit tasks and follow them.' },
      { name: 'Dashboard', description: 'What the system is doing: metrics and registered agents.' },
      { name: 'Health', description: 'For load balancers and deploy hooks. Public, not rate limited.' },
      { name: 'Documentation', description: 'This document and its human-readable page. Public, not rate limited.' },
    ],
    security: [],
    paths: withNotModified({
      '/v1/agent/execute': {
        post: v1Submit({
          operationId: 'executeTask',
          tags: ['Tasks'],
          summary: 'Submit a task',
          description:
            'Stores the task as `queued` and puts it on the queue; a worker routes it to an agent. The answer comes at once (202): poll the `Location` for the outcome. ' +
            'A 202 means the task is stored: should the queue be unreachable, the task stays `queued` until the workers enqueue it. ' +
            `With \`${IDEMPOTENCY_KEY_HEADER}\`, repeating the request (same key, same body) returns the same task instead of creating another.`,
          parameters: [
            {
              name: IDEMPOTENCY_KEY_HEADER,
              in: 'header',
              description:
                'Any unique string of 1 to 255 printable ASCII characters (a UUID works well), scoped to your tenant (every key of the tenant shares it; other tenants never see it). For IDEMPOTENCY_TTL_HOURS (default 24) the same key with the same body answers with the task the first request created (`Idempotent-Replayed: true`, its current status); with a different body, 409.',
              schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY_PATTERN.source },
            },
          ],
          requestBody: {
            required: true,
            description: `UTF-8 JSON, at most ${options.bodyLimitBytes} bytes.`,
            content: {
              'application/json': {
                schema: {
                  allOf: [
                    ref('ExecuteRequest'),
                    { type: 'object', properties: { task: { type: 'string', maxLength: options.taskMaxLength, description: `At most ${options.taskMaxLength} characters.` } } },
                  ],
                },
                examples: {
                  code: { summary: 'A code task', value: { task: 'Write a Python function that checks whether a number is prime' } },
                  followUp: { summary: 'A follow-up in the same session', value: { task: 'Now add type hints and tests', session_id: '8f14e45f-ceea-4672-9a2b-3c1d2e4f5a6b' } },
                  callback: { summary: 'With a webhook when it ends', value: { task: 'Summarise the latest research on solid-state batteries', callback_url: 'https://example.com/hooks/agent-orchestrator' } },
                },
              },
            },
          },
          responses: {
            '202': {
              description: 'Accepted and queued; or, for a repeated Idempotency-Key, the task the first request created.',
              headers: { ...V1_HEADERS, Location: headerRef('Location'), [IDEMPOTENT_REPLAYED_HEADER]: headerRef('IdempotentReplayed') },
              content: json(ref('ExecuteAccepted')),
            },
            '400': responseRef('BadRequest'),
            '409': {
              ...errorResponse(ErrorType.CONFLICT, 'The Idempotency-Key was used with a different body, or its first request is still being processed (retry shortly).'),
            },
            '413': responseRef('PayloadTooLarge'),
            '415': responseRef('UnsupportedMediaType'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/tasks': {
        get: v1Operation({
          operationId: 'listTasks',
          tags: ['Tasks'],
          summary: 'List tasks',
          description:
            'Task summaries, newest first, filtered and paginated by an opaque cursor. Follow `links.next` (or the `Link` header, or pass `next_cursor` as `cursor` with the same filters) until `has_more` is false. ' +
            'Each parameter may be given once; unknown parameters and invalid values are a 400 naming each parameter.',
          parameters: [
            { name: 'status', in: 'query', description: 'Only tasks in this status.', schema: ref('TaskStatus') },
            {
              name: 'agent_type',
              in: 'query',
              description: 'Only tasks routed to agents of this kind, e.g. `code`.',
              schema: { type: 'string', pattern: AGENT_TYPE_PATTERN.source },
            },
            { name: 'session_id', in: 'query', description: 'Only tasks of this session.', schema: { type: 'string', pattern: SESSION_ID_PATTERN.source } },
            parameterRef('CreatedFrom'),
            parameterRef('CreatedTo'),
            {
              name: 'limit',
              in: 'query',
              description: 'Page size.',
              schema: { type: 'integer', minimum: 1, maximum: MAX_TASK_PAGE_SIZE, default: DEFAULT_TASK_PAGE_SIZE },
            },
            {
              name: 'cursor',
              in: 'query',
              description: '`next_cursor` of the previous page, unchanged. Opaque: do not build or edit it.',
              schema: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', maxLength: 256 },
            },
          ],
          responses: {
            '200': {
              description: 'One page of task summaries.',
              headers: { ...V1_HEADERS, Link: headerRef('Link') },
              content: json(ref('TaskList')),
            },
            '400': responseRef('BadRequest'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/tasks/{task_id}': {
        get: v1Operation({
          operationId: 'getTask',
          tags: ['Tasks'],
          summary: 'Get a task',
          description: 'The full task, whatever its status: result and usage once completed, `error.type` once failed.',
          parameters: [parameterRef('TaskId')],
          responses: {
            '200': { description: 'The task.', headers: V1_HEADERS, content: json(ref('Task')) },
            '400': responseRef('BadRequest'),
            '404': responseRef('NotFound'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/tasks/{task_id}/cancel': {
        post: v1Operation({
          operationId: 'cancelTask',
          tags: ['Tasks'],
          summary: 'Cancel a task',
          description:
            'A `queued` task ends as `cancelled` at once (200). A `processing` task gets `cancel_requested_at`; its worker stops it at the next step and it ends as `cancelled` (202: poll the task). ' +
            'Asking again gives the same answer. A task that already completed or failed is a 409. Takes no body.',
          parameters: [parameterRef('TaskId')],
          responses: {
            '200': { description: 'The task is cancelled (now, or earlier).', headers: V1_HEADERS, content: json(ref('Task')) },
            '202': { description: 'The task is running: the cancel is recorded and the worker told.', headers: V1_HEADERS, content: json(ref('Task')) },
            '400': responseRef('BadRequest'),
            '404': responseRef('NotFound'),
            '409': responseRef('Conflict'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/tasks/{task_id}/events': {
        get: v1Operation({
          operationId: 'getTaskEvents',
          tags: ['Tasks'],
          summary: 'Task timeline',
          description:
            'The task\'s lifecycle events (accepted, picked up, routed, agent started/finished, completed, failed, retried), oldest first. Stored only when LOG_TO_MONGO=true, for LOG_RETENTION_DAYS; `logging_enabled` says whether this API stores them. Takes no query parameters.',
          parameters: [parameterRef('TaskId')],
          responses: {
            '200': { description: 'The events.', headers: V1_HEADERS, content: json(ref('TaskEvents')) },
            '400': responseRef('BadRequest'),
            '404': responseRef('NotFound'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/tasks/{task_id}/webhooks': {
        get: v1Operation({
          operationId: 'getTaskWebhooks',
          tags: ['Tasks'],
          summary: 'Webhook deliveries of a task',
          description:
            'The webhooks sent for the task (one delivery per ending announced to its `callback_url`), oldest first, each with every attempt: time, status, duration, error and the first bytes of the response. ' +
            'Attempts are retried with exponential backoff and jitter on network errors, timeouts, 5xx and 429 for 24 hours; any other 4xx ends the delivery. Takes no query parameters. How to verify a webhook: docs/webhooks.md.',
          parameters: [parameterRef('TaskId')],
          responses: {
            '200': {
              description: 'The deliveries.',
              headers: V1_HEADERS,
              content: {
                'application/json': {
                  schema: ref('TaskWebhooks'),
                  examples: {
                    retried: {
                      summary: 'Delivered at the second attempt',
                      value: {
                        task_id: '3f1c1d9e-8a4b-4c2d-9e7f-0a1b2c3d4e5f',
                        deliveries: [
                          {
                            webhook_id: 'msg_3f1c1d9e8a4b4c2d9e7f0a1b2c3d4e5f_0',
                            event: 'task.completed',
                            url: 'https://example.com/hooks/agent-orchestrator',
                            state: 'delivered',
                            created_at: '2026-01-01T10:00:00.000Z',
                            updated_at: '2026-01-01T10:00:06.210Z',
                            next_attempt_at: null,
                            attempts: [
                              { at: '2026-01-01T10:00:00.020Z', status_code: 503, duration_ms: 41, error: null, response_prefix: 'upstream unavailable' },
                              { at: '2026-01-01T10:00:06.150Z', status_code: 200, duration_ms: 58, error: null, response_prefix: null },
                            ],
                          },
                        ],
                        api_version: 'v1',
                      },
                    },
                  },
                },
              },
            },
            '400': responseRef('BadRequest'),
            '404': responseRef('NotFound'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/tasks/{task_id}/stream': {
        get: v1Stream({
          operationId: 'streamTask',
          tags: ['Tasks'],
          summary: "Follow a task live (Server-Sent Events)",
          description: STREAM_DESCRIPTION,
          parameters: [
            parameterRef('TaskId'),
            {
              name: 'Last-Event-ID',
              in: 'header',
              description: 'Resume after this event id (the `id:` of the last message received). Wins over `last_event_id`. Empty, like absent: from the start.',
              schema: { type: 'string', pattern: '^(\\d{1,15})?$' },
            },
            {
              name: 'last_event_id',
              in: 'query',
              description: 'Same as the `Last-Event-ID` header, for clients that cannot set headers (EventSource sets it itself on reconnect). Empty, like absent: from the start.',
              schema: { type: 'string', pattern: '^(\\d{1,15})?$' },
            },
          ],
          responses: {
            '200': {
              description: 'The stream: events until the task ends (or the client goes).',
              headers: { ...V1_HEADERS, 'Cache-Control': { description: '`no-cache`.', required: true, schema: { const: 'no-cache' } }, 'X-Accel-Buffering': { description: '`no`: proxies must not buffer the stream.', required: true, schema: { const: 'no' } } },
              content: { 'text/event-stream': { schema: STREAM_MESSAGE_SCHEMA } },
            },
            '400': responseRef('BadRequest'),
            '404': responseRef('NotFound'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/system/metrics/history': {
        get: v1Operation({
          operationId: 'getSystemMetricsHistory',
          tags: ['Dashboard'],
          summary: 'System metrics history',
          description:
            'The system figures minute by minute (running counters; the queue as sampled every METRICS_SNAPSHOT_INTERVAL_MS) with `from <= interval_start < to`, oldest first. Without parameters: the last 24 hours. A range is at most 7 days.',
          parameters: [
            { name: 'from', in: 'query', required: false, description: 'Start (inclusive): ISO 8601 date or date-time with a zone. Default: `to` minus 24 hours.', schema: ISO_DATE_OR_DATE_TIME },
            { name: 'to', in: 'query', required: false, description: 'End (exclusive). Default: now (or `from` plus 24 hours, when earlier).', schema: ISO_DATE_OR_DATE_TIME },
          ],
          responses: {
            '200': { description: 'The points of the range.', headers: { ...V1_HEADERS, 'Cache-Control': headerRef('NoStore') }, content: json(ref('MetricsHistory')) },
            '400': responseRef('BadRequest'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/tasks/{task_id}/retry': {
        post: v1Operation({
          operationId: 'retryTask',
          tags: ['Tasks'],
          summary: 'Retry a failed task',
          description:
            'Runs a failed task again, keeping its history: the error moves to `retries`, `attempts` keeps counting and earlier agent runs are kept. ' +
            'Only for failures a new attempt can fix: `error.type` one of `TIMEOUT`, `LLM_ERROR`, `SEARCH_ERROR`, `SERVICE_UNAVAILABLE`, `INTERNAL_ERROR`. ' +
            'Other failures (`UNKNOWN_TASK_TYPE`, `LLM_NOT_CONFIGURED`, `BUDGET_EXCEEDED`, `CANCELLED`…) and tasks that are not failed answer 409. No request body.',
          parameters: [parameterRef('TaskId')],
          responses: {
            '202': { description: 'Queued again.', headers: { ...V1_HEADERS, Location: headerRef('Location') }, content: json(ref('TaskRetried')) },
            '400': responseRef('BadRequest'),
            '404': responseRef('NotFound'),
            '409': errorResponse(ErrorType.CONFLICT, 'The task is not failed, or failed for a cause retrying would not fix.'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      [SYSTEM_METRICS_PATH]: {
        get: v1Operation({
          operationId: 'getSystemMetrics',
          tags: ['Dashboard'],
          summary: 'System metrics',
          description:
            'Queue length by state, today\'s tasks by status and by agent, today\'s latency, live workers and the health of MongoDB, Redis and the workers. "Today" is the current UTC day. Always 200: parts that could not be computed are null. Takes no query parameters.',
          responses: {
            '200': { description: 'The metrics.', headers: { ...V1_HEADERS, 'Cache-Control': headerRef('NoStore') }, content: json(ref('SystemMetrics')) },
            '400': responseRef('BadRequest'),
          },
        }),
      },
      '/v1/usage': {
        get: v1Operation({
          operationId: 'getUsage',
          tags: ['Tasks'],
          summary: "Your tenant's usage today",
          description:
            "The caller's own tenant, current UTC day: tokens and estimated cost, tasks created today by status, its limits and tasks in flight. Needs `tasks:read`; never shows another tenant. Takes no query parameters.",
          responses: {
            '200': { description: 'The usage.', headers: { ...V1_HEADERS, 'Cache-Control': headerRef('NoStore') }, content: json(ref('TenantUsage')) },
            '400': responseRef('BadRequest'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/v1/agents': {
        get: v1Operation({
          operationId: 'listAgents',
          tags: ['Dashboard'],
          summary: 'List agents',
          description: 'The agents the live workers registered (name, version, description). Takes no query parameters.',
          responses: {
            '200': { description: 'The agents.', headers: { ...V1_HEADERS, 'Cache-Control': headerRef('NoStore') }, content: json(ref('AgentList')) },
            '400': responseRef('BadRequest'),
            '503': responseRef('ServiceUnavailable'),
          },
        }),
      },
      '/healthz': {
        get: {
          operationId: 'getHealth',
          tags: ['Health'],
          summary: 'Liveness',
          description: 'The process is up. Touches no dependency.',
          security: [],
          responses: {
            '200': { description: 'Up.', headers: PUBLIC_HEADERS, content: json(ref('Health')) },
            '400': PUBLIC_BAD_REQUEST,
            '500': responseRef('InternalError'),
          },
        },
      },
      '/readyz': {
        get: {
          operationId: 'getReadiness',
          tags: ['Health'],
          summary: 'Readiness',
          description: 'MongoDB and Redis both answer, so the API can accept tasks.',
          security: [],
          responses: {
            '200': {
              description: 'Ready.',
              headers: PUBLIC_HEADERS,
              content: json({ allOf: [ref('Readiness'), { type: 'object', properties: { status: { const: 'ok' } } }] }),
            },
            '503': {
              description: 'MongoDB or Redis did not answer; `checks` says which.',
              headers: { ...PUBLIC_HEADERS, 'Retry-After': headerRef('RetryAfter') },
              content: json({ allOf: [ref('Readiness'), { type: 'object', properties: { status: { const: 'unavailable' } } }] }),
            },
            '400': PUBLIC_BAD_REQUEST,
            '500': responseRef('InternalError'),
          },
        },
      },
      [METRICS_PATH]: metricsPathItem(options.metricsToken === true),
      [OPENAPI_PATH]: {
        get: {
          operationId: 'getOpenApiDocument',
          tags: ['Documentation'],
          summary: 'This OpenAPI document',
          description: 'OpenAPI 3.1, JSON.',
          security: [],
          responses: {
            '200': { description: 'The document.', headers: PUBLIC_HEADERS, content: json(ref('OpenApiDocument')) },
            '400': PUBLIC_BAD_REQUEST,
            '500': responseRef('InternalError'),
          },
        },
      },
      [DOCS_PATH]: {
        get: {
          operationId: 'getDocsPage',
          tags: ['Documentation'],
          summary: 'Docs page',
          description: 'This document as a web page (Swagger UI), served by the API itself: no CDN, works offline.',
          security: [],
          responses: {
            '200': { description: 'The page.', headers: PUBLIC_HEADERS, content: { 'text/html': { schema: { type: 'string' } } } },
            '400': PUBLIC_BAD_REQUEST,
            '500': responseRef('InternalError'),
          },
        },
      },
      [`${DOCS_PATH}/{asset}`]: {
        get: {
          operationId: 'getDocsAsset',
          tags: ['Documentation'],
          summary: 'Docs page asset',
          description: 'A script, style sheet or icon of the docs page.',
          security: [],
          parameters: [{ name: 'asset', in: 'path', required: true, description: 'File name.', schema: { type: 'string', enum: [...DOCS_ASSET_NAMES] } }],
          responses: {
            '200': {
              description: 'The file.',
              headers: PUBLIC_HEADERS,
              content: {
                'text/javascript': { schema: { type: 'string' } },
                'text/css': { schema: { type: 'string' } },
                'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
              },
            },
            '400': { ...errorResponse(ErrorType.VALIDATION_ERROR, 'The file name is not valid URI encoding.'), headers: PUBLIC_HEADERS },
            '404': { ...errorResponse(ErrorType.NOT_FOUND, 'No such asset.'), headers: PUBLIC_HEADERS },
            '500': responseRef('InternalError'),
          },
        },
      },
    }),
    components: {
      schemas: { ...componentSchemas, ExecuteRequest: executeRequestSchema(options.callbackAllowHttp ?? false) },
      parameters: {
        TaskId: {
          name: 'task_id',
          in: 'path',
          required: true,
          description: 'The `task_id` given by POST /v1/agent/execute (a UUID v4, any case).',
          schema: { type: 'string', pattern: UUID_V4_PATTERN },
        },
        CreatedFrom: {
          name: 'created_from',
          in: 'query',
          description:
            'Only tasks created at or after this instant: an ISO 8601 date (`2025-01-31`, midnight UTC) or date-time with a zone (`2025-01-31T12:00:00Z`, `2025-01-31T14:00:00+02:00`; encode `+` as `%2B`).',
          schema: ISO_DATE_OR_DATE_TIME,
        },
        CreatedTo: {
          name: 'created_to',
          in: 'query',
          description: 'Only tasks created before this instant (same formats as created_from); not before created_from.',
          schema: ISO_DATE_OR_DATE_TIME,
        },
      },
      headers: {
        XRequestId: {
          description: 'The request id: the one the client sent when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`, else a new UUID.',
          required: true,
          schema: REQUEST_ID_SCHEMA,
        },
        ...RATE_LIMIT_HEADERS,
        RetryAfter: { description: 'Seconds to wait before trying again.', required: true, schema: { type: 'integer', minimum: 0 } },
        Location: { description: 'Where to poll the new task: `/v1/tasks/{task_id}`.', required: true, schema: { type: 'string', pattern: `^/v1/tasks/${UUID_V4_PATTERN.slice(1)}` } },
        IdempotentReplayed: {
          description: '`true` when the answer is the task an earlier request with the same Idempotency-Key created; absent otherwise.',
          schema: { const: 'true' },
        },
        Link: { description: 'The next page, `<url>; rel="next"`; absent on the last page.', schema: { type: 'string', pattern: '^<[^>]+>; rel="next"$' } },
        ...(apiKeys
          ? {
              WwwAuthenticate: {
                description: '`Bearer realm="agent-orchestrator"`, with `error="invalid_token"` when a key was given but is wrong.',
                required: true,
                schema: { type: 'string', pattern: '^Bearer realm="agent-orchestrator"(, error="invalid_token")?$' },
              },
            }
          : {}),
        ETag: { description: 'Version of the answer, for `If-None-Match`.', schema: { type: 'string' } },
        NoStore: { description: 'Live figures: not cached.', schema: { const: 'no-store' } },
      },
      responses: {
        BadRequest: errorResponse(ErrorType.VALIDATION_ERROR, 'The request is invalid: `error.details` names each bad field or parameter.'),
        NotModified: {
          description: 'Not modified: the `If-None-Match` (or `If-Modified-Since`) sent matches, so the cached copy is current. No body.',
          headers: { 'X-Request-Id': headerRef('XRequestId'), ETag: headerRef('ETag') },
        },
        ...(apiKeys
          ? {
              Unauthorized: errorResponse(ErrorType.UNAUTHORIZED, 'The API key is missing or wrong.', {
                'WWW-Authenticate': headerRef('WwwAuthenticate'),
              }),
              Forbidden: errorResponse(ErrorType.FORBIDDEN, 'The API key is valid but lacks the scope this route needs (the message names it).'),
            }
          : {}),
        NotFound: errorResponse(ErrorType.NOT_FOUND, 'No such task, or no such route.'),
        Conflict: errorResponse(ErrorType.CONFLICT, 'The request conflicts with the state of the task, e.g. cancelling a task that already completed.'),
        PayloadTooLarge: errorResponse(ErrorType.PAYLOAD_TOO_LARGE, `The body is larger than BODY_LIMIT_BYTES (${options.bodyLimitBytes} bytes here).`),
        UnsupportedMediaType: errorResponse(ErrorType.UNSUPPORTED_MEDIA_TYPE, 'The body is not UTF-8 JSON sent as `Content-Type: application/json`.'),
        TooManyRequests: errorResponse(ErrorType.RATE_LIMITED, 'Rate limited: retry after `Retry-After` seconds.', {
          'Retry-After': headerRef('RetryAfter'),
          // Always there on a 429, which only happens while limiting is on.
          'RateLimit-Policy': { ...RATE_LIMIT_HEADERS.RateLimitPolicy, required: true },
          'RateLimit-Limit': { ...RATE_LIMIT_HEADERS.RateLimitLimit, required: true },
          'RateLimit-Remaining': { ...RATE_LIMIT_HEADERS.RateLimitRemaining, required: true },
          'RateLimit-Reset': { ...RATE_LIMIT_HEADERS.RateLimitReset, required: true },
        }),
        TooManySubmissions: {
          description:
            "Rate limited (`RATE_LIMITED`), or the tenant's limits refuse a new task: `TENANT_TASK_LIMIT` (too many tasks queued or processing) or `QUOTA_EXCEEDED` (the daily tokens or cost are spent, until midnight UTC). Retry after `Retry-After` seconds.",
          headers: { ...V1_HEADERS, 'Retry-After': headerRef('RetryAfter') },
          content: json({
            allOf: [
              ref('Error'),
              { type: 'object', properties: { error: { type: 'object', properties: { type: { enum: [ErrorType.RATE_LIMITED, ErrorType.TENANT_TASK_LIMIT, ErrorType.QUOTA_EXCEEDED] } } } } },
            ],
          }),
        },
        TooManyRequestsOrStreams: errorResponse(ErrorType.RATE_LIMITED, 'Rate limited, or too many open streams (STREAM_MAX_OPEN_PER_CLIENT): retry after `Retry-After` seconds.', {
          'Retry-After': headerRef('RetryAfter'),
        }),
        ServiceUnavailable: errorResponse(ErrorType.SERVICE_UNAVAILABLE, 'MongoDB or Redis is unavailable: retry after `Retry-After` seconds.', {
          'Retry-After': headerRef('RetryAfter'),
        }),
        InternalError: errorResponse(ErrorType.INTERNAL_ERROR, 'A bug. The body never carries internals; quote `request_id` when reporting it.'),
      },
      // Only the schemes this deployment enforces: API keys when API_KEYS is set, the metrics token when METRICS_TOKEN is.
      securitySchemes: {
        ...(apiKeys
          ? {
              bearerAuth: { type: 'http', scheme: 'bearer', description: 'The deployment sets API_KEYS: `Authorization: Bearer <key>`.' },
              apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The deployment sets API_KEYS: `X-API-Key: <key>`.' },
            }
          : {}),
        ...(options.metricsToken ? { metricsToken: METRICS_SECURITY_SCHEME } : {}),
      },
    },
    'x-unmatched-request-responses': {
      // A path that is not valid URI encoding fails before any method is matched.
      '400': responseRef('BadRequest'),
      ...(apiKeys ? { '401': responseRef('Unauthorized'), '403': responseRef('Forbidden') } : {}),
      '404': responseRef('NotFound'),
      // Inline: only this extension uses it (a component would be one no operation references).
      '405': errorResponse(ErrorType.METHOD_NOT_ALLOWED, 'The path exists, but not for this method.', { Allow: ALLOW_HEADER }),
      '429': responseRef('TooManyRequests'),
      '500': responseRef('InternalError'),
    },
  };
}
