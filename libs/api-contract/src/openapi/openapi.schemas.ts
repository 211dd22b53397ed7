/**
 * The component schemas of the OpenAPI document: every JSON body the API sends
 * or accepts. Enums and patterns come from the code that enforces them
 * (domain, DTOs, query parsing), so they cannot disagree; the shapes follow the
 * presenters field by field, and the contract tests hold every response the
 * test suites see against them (`additionalProperties: false` everywhere: a
 * field the code adds without documenting it fails those tests).
 */
import { API_VERSION, CALLBACK_URL_MAX_LENGTH, ErrorType, TASK_STATUSES, TASK_STEPS, WEBHOOK_DELIVERY_STATES, WEBHOOK_RESPONSE_PREFIX_BYTES, callbackUrlPattern } from '@agent-orchestrator/domain';
import { DEFAULT_TASK_PAGE_SIZE, MAX_BUDGET_COST_USD, MAX_BUDGET_TOKENS, MAX_TASK_PAGE_SIZE, REQUEST_ID_PATTERN, SESSION_ID_PATTERN, TASK_PREVIEW_LENGTH } from '../http';
import { observabilitySchemas } from './openapi.observability';
import { streamSchemas } from './openapi.stream';
import { count, nullableRef, object, ref } from './openapi.builders';
import type { JsonSchema } from './openapi.types';

export { ref };

/** Request ids the API echoes (X-Request-Id, error.request_id): the caller's when safe, else a UUID. */
export const REQUEST_ID_SCHEMA = { type: 'string', pattern: REQUEST_ID_PATTERN.source } as const;
export const UUID_V4_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$';

const string = (description?: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const nullableString = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: ['string', 'null'], description, ...extra });
const dateTime = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });
const nullableDateTime = (description: string): JsonSchema => ({ type: ['string', 'null'], format: 'date-time', description });
const apiVersion: JsonSchema = { const: API_VERSION, description: 'Version of the API that answered.' };

/** Stored dates come back as null only when the stored value is unreadable; tasks this API created always have them. */
const UNREADABLE = ' Null only when the stored value is unreadable.';

const ERROR_TYPES = Object.values(ErrorType);

/** The domain's AgentSummary, as a worker publishes it and the api lists it. */
const agentSummary = (description: string): Record<string, JsonSchema> => ({
  name: string('Registry name, e.g. `CodeAgent`.'),
  version: string('Version of the agent package.'),
  agent_type: string('Kind of work, e.g. `code`.'),
  description: string(description),
});

const EXECUTE_REQUEST: JsonSchema = {
  type: 'object',
  required: ['task'],
  properties: {
    task: string('What to do, in plain language. Leading and trailing whitespace is trimmed; what remains must not be empty. Any Unicode text except NUL and unpaired surrogates.', {
      minLength: 1,
      pattern: '^[^\\u0000]*$',
    }),
    session_id: string("Continue this session of your tenant (another tenant's session with the same id is a different session): earlier tasks of the session are given to the router and agents as context. Omit it to start a new session.", {
      pattern: SESSION_ID_PATTERN.source,
    }),
    max_tokens: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_BUDGET_TOKENS,
      description: 'Token budget of the whole task (router and agent calls together). Each model call is capped to what remains; past it the task fails with BUDGET_EXCEEDED.',
    },
    max_cost_usd: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: MAX_BUDGET_COST_USD,
      description: 'Estimated cost budget of the whole task in US dollars (from the price table); past it the task fails with BUDGET_EXCEEDED.',
    },
  },
  additionalProperties: false,
};

/** `callback_url` of a submission; http:// is in the pattern only where WEBHOOK_ALLOW_HTTP is on. */
export function callbackUrlSchema(allowHttp: boolean): JsonSchema {
  return string(
    `Where the final task is POSTed when it ends (completed, failed or cancelled), signed the Standard Webhooks way (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`); see GET /v1/tasks/{task_id}/webhooks for the attempts. ${allowHttp ? 'https or http (this deployment allows http)' : 'https only'}, a host name or IPv4 address, no credentials, no fragment, at most ${CALLBACK_URL_MAX_LENGTH} characters. Omitted: your API key's default callback, if it has one. 400 when no signing secret is configured for your key (webhook_secret in API_KEYS, or WEBHOOK_SECRET). Addresses that are not public (loopback, private, link-local, metadata) are refused at delivery.`,
    { maxLength: CALLBACK_URL_MAX_LENGTH, pattern: callbackUrlPattern(allowHttp).source, examples: ['https://example.com/hooks/agent-orchestrator'] },
  );
}

/** The body of POST /v1/agent/execute (`allowHttp`: WEBHOOK_ALLOW_HTTP, which widens `callback_url`). */
export function executeRequestSchema(allowHttp: boolean): JsonSchema {
  const base = EXECUTE_REQUEST as { properties: Record<string, JsonSchema> };
  return { ...EXECUTE_REQUEST, properties: { ...base.properties, callback_url: callbackUrlSchema(allowHttp) } };
}

const WEBHOOK_ATTEMPT: JsonSchema = object(
  {
    at: nullableDateTime('When the attempt started.'),
    status_code: { type: ['integer', 'null'], description: "The receiver's HTTP status; null when no response came (network error, timeout, refused address)." },
    duration_ms: count('How long the attempt took, in ms.'),
    error: nullableString('Why the attempt did not succeed when no response came (e.g. `timeout: no response within 10000 ms`, `refused: ... not a public address`); null when a response came.'),
    response_prefix: nullableString(`The first ${WEBHOOK_RESPONSE_PREFIX_BYTES} bytes of the response body, as text; null when empty or no response.`),
  },
  { description: 'One HTTP attempt of a delivery.' },
);

export const componentSchemas: Record<string, JsonSchema> = {
  ...observabilitySchemas,
  ...streamSchemas,
  WebhookAttempt: WEBHOOK_ATTEMPT,
  WebhookDelivery: object(
    {
      webhook_id: string('The `webhook-id` header of every attempt: stable, so a receiver de-duplicates by it. One per ending of the task (a retried task that ends again is a new delivery).'),
      event: { type: 'string', enum: ['task.completed', 'task.failed', 'task.cancelled'], description: 'The ending it announces.' },
      url: string('The callback URL it is sent to.'),
      state: { type: 'string', enum: [...WEBHOOK_DELIVERY_STATES], description: '`pending`: more attempts will be made (at `next_attempt_at`); `delivered`: a 2xx came back; `failed`: given up (a 4xx other than 429, a refused address, or 24 hours of failures).' },
      created_at: nullableDateTime('When the task ended and the delivery was recorded.'),
      updated_at: nullableDateTime('Last change.'),
      next_attempt_at: nullableDateTime('When the next attempt is due; null once delivered or failed.'),
      attempts: { type: 'array', items: ref('WebhookAttempt'), description: 'Every attempt made, oldest first.' },
    },
    { description: 'One webhook message: a task ending sent to its callback URL, with its attempts.' },
  ),
  TaskWebhooks: object(
    {
      task_id: { type: 'string', format: 'uuid' },
      deliveries: { type: 'array', items: ref('WebhookDelivery'), description: 'Oldest first; empty when the task has no callback URL or has not ended.' },
      api_version: apiVersion,
    },
    { description: "A task's webhook deliveries." },
  ),
  ExecuteRequest: executeRequestSchema(false),
  ExecuteAccepted: object({
    task_id: string('Id of the new task; poll GET /v1/tasks/{task_id} (the Location header).', { format: 'uuid' }),
    session_id: string('The session the task belongs to: the one given, or a new one.', { pattern: SESSION_ID_PATTERN.source }),
    status: { ...ref('TaskStatus'), description: '`queued` for a new task; for a repeated Idempotency-Key, the task\'s current status.' },
    queued_at: dateTime('When the task was queued.'),
    message: string('A human-readable confirmation.'),
    api_version: apiVersion,
  }),

  TaskStatus: { type: 'string', enum: [...TASK_STATUSES], description: 'Lifecycle: `queued → processing → completed | failed | cancelled` (a queued task may also end as failed or cancelled directly). The last three are terminal.' },
  TaskError: object(
    {
      type: string(`Stable error type (add-only), e.g. ${['UNKNOWN_TASK_TYPE', 'LLM_ERROR', 'LLM_NOT_CONFIGURED', 'SEARCH_ERROR', 'TIMEOUT', 'INTERNAL_ERROR', 'SERVICE_UNAVAILABLE'].join(', ')}.`, {
        examples: ['UNKNOWN_TASK_TYPE'],
      }),
      message: string('What went wrong, for humans.'),
    },
    { description: 'Why a task failed.' },
  ),
  TaskRetry: object(
    {
      error: nullableRef('TaskError', 'The error the task had failed with.'),
      failed_at: nullableDateTime('When it had failed.'),
      retried_at: nullableDateTime(`When the retry queued it again.${UNREADABLE}`),
      attempts: count('Worker pick-ups up to that failure.'),
    },
    { description: 'A failure that was retried.' },
  ),
  TaskRetried: object(
    {
      task_id: string(undefined, { format: 'uuid' }),
      session_id: string(),
      status: { const: 'queued', description: 'Always `queued`: the task waits for a worker again.' },
      queued_at: dateTime('When it was queued again.'),
      attempts: count('Worker pick-ups so far; the next one continues the count.'),
      retries: { type: 'array', items: ref('TaskRetry'), minItems: 1, description: 'Every retried failure, oldest first; the last is the one just retried.' },
      message: string('A human-readable confirmation.'),
      api_version: apiVersion,
    },
    { description: 'A failed task queued again.' },
  ),
  Citation: object({
    source: string('The tool that found the source, e.g. `tavily`.'),
    title: nullableString('Title of the source.'),
    url: nullableString('Address of the source.'),
  }),
  TaskResult: object(
    {
      summary: nullableString('One or two sentences about the result.'),
      raw_output: string('The agent\'s full answer (Markdown; code is never executed).'),
      code_language: nullableString('Language of the code in raw_output, when the answer is code.'),
      citations: { type: 'array', items: ref('Citation'), description: 'Sources the answer relies on, numbered [1], [2]… in raw_output.' },
    },
    { description: 'What the agent produced.' },
  ),
  ModelUsage: object({
    model: string('Model name, e.g. `gpt-4o-mini`.'),
    prompt_tokens: count(),
    completion_tokens: count(),
    total_tokens: count(),
    cost_usd: { type: ['number', 'null'], minimum: 0, description: 'Estimated cost in US dollars; null when unknown (the model has no price in LLM_PRICES).' },
  }),
  TaskUsage: object(
    {
      prompt_tokens: count(),
      completion_tokens: count(),
      total_tokens: count(),
      cost_usd: {
        type: ['number', 'null'],
        minimum: 0,
        description: 'Estimated cost in US dollars, router and agent together; null when unknown: one of the models has no price (see by_model), never counted as $0.',
      },
      by_model: { type: 'array', items: ref('ModelUsage'), description: 'The same totals per model.' },
    },
    { description: 'Tokens and estimated cost of every LLM call made for the task.' },
  ),
  TaskBudget: object(
    {
      max_tokens: { type: ['integer', 'null'], minimum: 1, description: 'Token budget; null when none.' },
      max_cost_usd: { type: ['number', 'null'], minimum: 0, description: 'Estimated cost budget in US dollars; null when none.' },
    },
    { description: 'Spending limits given at submission.' },
  ),
  TaskMetadata: object(
    {
      ip: nullableString('Client IP that submitted the task (as resolved under TRUST_PROXY).'),
      user_agent: nullableString('User-Agent of the submitting client, at most 512 characters.'),
      request_id: string('X-Request-Id of the submitting request.'),
      environment: string('Deployment that accepted the task, e.g. `production`.'),
      api_key_id: nullableString('Id (never the secret) of the API key that submitted the task; null when the API runs without keys.'),
    },
    { description: 'Where the task came from.' },
  ),
  Task: object(
    {
      task_id: string(undefined, { format: 'uuid' }),
      session_id: string(),
      task: string('The task text as submitted (trimmed).'),
      status: ref('TaskStatus'),
      created_at: nullableDateTime(`When the task was created.${UNREADABLE}`),
      queued_at: nullableDateTime(`When the task was queued.${UNREADABLE}`),
      started_at: nullableDateTime('When a worker started it; null while queued.'),
      completed_at: nullableDateTime('When it completed, failed or was cancelled; null until then.'),
      updated_at: nullableDateTime(`Last change.${UNREADABLE}`),
      metadata: ref('TaskMetadata'),
      selected_agent: nullableString('Agent the router chose (e.g. `CodeAgent`); null until routed, or when no agent fits.'),
      agent_type: nullableString('Kind of work of the chosen agent, e.g. `code`, `content`.'),
      agent_version: nullableString('Version of the agent package that produced the result.'),
      peer_routing_reason: nullableString('Why the router chose (or refused) an agent.'),
      confidence: { type: ['number', 'null'], description: 'Router confidence in its choice, 0 to 1.' },
      result: nullableRef('TaskResult', 'Set when the task completed.'),
      error: nullableRef('TaskError', 'Set when the task failed.'),
      usage: ref('TaskUsage'),
      cancel_requested_at: nullableDateTime('When a client asked to cancel the task (POST /v1/tasks/{task_id}/cancel); null otherwise.'),
      budget: nullableRef('TaskBudget', 'Spending limits given at submission (max_tokens, max_cost_usd); null when none.'),
      attempts: count('How many times a worker picked the task up, across retries.'),
      retries: { type: 'array', items: ref('TaskRetry'), description: 'Earlier failures that were retried (POST /v1/tasks/{task_id}/retry), oldest first.' },
      callback_url: nullableString('Where the final task is POSTed when it ends (given at submission, or the API key\'s default); null when none. Deliveries: GET /v1/tasks/{task_id}/webhooks.'),
      reused_steps: {
        type: 'array',
        items: { type: 'string', enum: [...TASK_STEPS] },
        uniqueItems: true,
        description:
          'Steps a later attempt took from their checkpoint instead of calling the LLM again (a worker died after the step finished), in step order; empty when none. A retry (POST /v1/tasks/{task_id}/retry) starts over and empties it.',
      },
      api_version: apiVersion,
    },
    { description: 'A task, whatever its status: every field, always present (null when not applicable).' },
  ),
  TaskSummary: object(
    {
      task_id: string(undefined, { format: 'uuid' }),
      session_id: string(),
      status: ref('TaskStatus'),
      task_preview: string(`The first ${TASK_PREVIEW_LENGTH} characters of the task text.`, { maxLength: TASK_PREVIEW_LENGTH }),
      task_truncated: { type: 'boolean', description: 'Whether task_preview is shorter than the task text (GET /v1/tasks/{task_id} has all of it).' },
      selected_agent: nullableString('Agent the router chose.'),
      agent_type: nullableString('Kind of work of the chosen agent.'),
      agent_version: nullableString('Version of the agent package.'),
      confidence: { type: ['number', 'null'], description: 'Router confidence, 0 to 1.' },
      created_at: nullableDateTime(`When the task was created.${UNREADABLE}`),
      queued_at: nullableDateTime(`When the task was queued.${UNREADABLE}`),
      started_at: nullableDateTime('When a worker started it.'),
      completed_at: nullableDateTime('When it completed or failed.'),
      updated_at: nullableDateTime(`Last change.${UNREADABLE}`),
      result_summary: nullableString('`result.summary` of a completed task.'),
      error: nullableRef('TaskError', 'Set when the task failed.'),
      usage: object({ total_tokens: count(), cost_usd: { type: ['number', 'null'], minimum: 0, description: 'Null when unknown (a model without a price).' } }, { description: 'Totals only; the full task has them per model.' }),
    },
    { description: 'A task in a listing: no full text, result or metadata.' },
  ),
  TaskList: object(
    {
      data: { type: 'array', items: ref('TaskSummary'), maxItems: MAX_TASK_PAGE_SIZE, description: 'Newest first (created_at, then task_id, descending).' },
      next_cursor: nullableString('Pass as `cursor` to get the next page; null on the last page.', { pattern: '^[A-Za-z0-9_-]+$' }),
      has_more: { type: 'boolean', description: 'Whether another page follows.' },
      limit: { type: 'integer', minimum: 1, maximum: MAX_TASK_PAGE_SIZE, description: `The page size used (default ${DEFAULT_TASK_PAGE_SIZE}).` },
      links: object({ next: nullableString('Relative URL of the next page (same filters and limit, plus the cursor); null on the last page.') }),
      api_version: apiVersion,
    },
    { description: 'One page of task summaries. Cursors are positions, so pages stay correct while new tasks arrive.' },
  ),

  QueueCounts: object(
    {
      waiting: count('Jobs waiting for a worker.'),
      active: count('Jobs being processed.'),
      delayed: count('Jobs waiting for a retry.'),
      failed: count('Jobs that failed for good (kept by the queue).'),
      completed: count('Completed jobs the queue still keeps.'),
      paused: count('Jobs held while the queue is paused.'),
    },
    { description: 'The task queue (Bull), by job state.' },
  ),
  TasksToday: object(
    {
      ...Object.fromEntries(TASK_STATUSES.map((s) => [s, count(`Tasks created today that are now ${s}.`)])),
      total: count('All tasks created today.'),
    },
    { description: 'Tasks created today (UTC), by their current status.' },
  ),
  AgentCount: object({
    agent_name: string('Agent the router chose.'),
    agent_type: nullableString('Its kind of work.'),
    count: count('Tasks created today routed to it.'),
  }),
  LatencyToday: object(
    {
      count: count('Tasks that reached completed or failed today.'),
      avg: { type: ['number', 'null'], minimum: 0, description: 'Average queued → finished time in ms (one decimal); null without tasks.' },
      p95: { type: ['number', 'null'], minimum: 0, description: '95th percentile (nearest rank) in ms, read from a latency histogram: within ±4.9 % of the exact value (±5 ms below 10 ms); null without tasks.' },
    },
    { description: 'Queued → completed/failed time of the tasks that finished today.' },
  ),
  PublishedAgent: object(agentSummary('What the agent does; the router reads it to choose.')),
  WorkerRecord: object({
    worker_id: string('`hostname:pid:random`, unique per worker process.'),
    hostname: string(),
    pid: { type: 'integer' },
    started_at: dateTime('When the worker process started.'),
    last_seen_at: dateTime('Its latest heartbeat.'),
    agents: { type: 'array', items: ref('PublishedAgent'), description: 'The agents it registered.' },
  }),
  SystemMetrics: object(
    {
      generated_at: dateTime('When these figures were computed.'),
      today: object({ start: dateTime('Midnight UTC starting today.'), timezone: { const: 'UTC' } }),
      queue: nullableRef('QueueCounts', 'Null when Redis did not answer in time.'),
      tasks_today: nullableRef('TasksToday', 'Null when MongoDB did not answer in time.'),
      agent_distribution_today: {
        type: ['array', 'null'],
        items: ref('AgentCount'),
        description: 'Tasks created today that were routed to an agent, by agent, most used first. Null when MongoDB did not answer in time.',
      },
      latency_today_ms: nullableRef('LatencyToday', 'Null when MongoDB did not answer in time.'),
      workers: {
        description: 'Live workers (heartbeat within the last 3 periods). Null when Redis did not answer in time.',
        oneOf: [object({ alive: count(), items: { type: 'array', items: ref('WorkerRecord') } }), { type: 'null' }],
      },
      usage_today: nullableRef('UsageToday', 'Tokens and estimated cost of today\'s LLM calls, by agent and by model. Null when MongoDB did not answer in time.'),
      health: object({
        mongodb: { enum: ['ok', 'down'] },
        redis: { enum: ['ok', 'down'] },
        workers: { enum: ['ok', 'none', 'unknown'], description: '`none`: no live worker; `unknown`: the registry could not be read.' },
      }),
      api_version: apiVersion,
    },
    {
      description:
        'One summary for the dashboard. Every part is bounded by today (UTC) or by live state, so its cost does not grow with the tasks ever stored. A part that fails or is late is null; the answer is still 200 and `health` says what is down.',
    },
  ),

  Agent: object({
    ...agentSummary('What the agent does and when the router picks it.'),
    workers: { type: 'integer', minimum: 1, description: 'How many live workers registered this name at this version.' },
  }),
  TenantUsage: object(
    {
      tenant_id: string("The caller's tenant (its API key's; `default` when the API runs without keys)."),
      day_start: dateTime('Start of the current UTC day: the figures below are since then.'),
      tasks_by_status: object(Object.fromEntries(TASK_STATUSES.map((s) => [s, count(`Tasks created today that are ${s} now.`)])), {
        description: "The tenant's tasks created today, by their current status.",
      }),
      usage: object(
        {
          prompt_tokens: count(),
          completion_tokens: count(),
          total_tokens: count('What `daily_tokens` is checked against.'),
          cost_usd: { type: ['number', 'null'], minimum: 0, description: 'Estimated US dollars, from LLM_PRICES: what `daily_cost_usd` is checked against. Null: unknown, because a model without a price ran today.' },
        },
        { description: "Tokens and estimated cost of the tenant's router and agent runs that finished today." },
      ),
      limits: object(
        {
          requests_per_minute: { type: ['integer', 'null'], minimum: 1, description: 'Shared by every key of the tenant; null: unlimited.' },
          max_tasks_in_flight: { type: ['integer', 'null'], minimum: 1, description: 'Tasks queued or processing at once; beyond it a submission is a 429 `TENANT_TASK_LIMIT`. Null: unlimited.' },
          daily_tokens: { type: ['integer', 'null'], minimum: 1, description: 'Once `usage.total_tokens` reaches it, submissions are a 429 `QUOTA_EXCEEDED` until midnight UTC. Null: unlimited.' },
          daily_cost_usd: { type: ['number', 'null'], exclusiveMinimum: 0, description: 'Once `usage.cost_usd` reaches it, submissions are a 429 `QUOTA_EXCEEDED` until midnight UTC. Null: unlimited.' },
        },
        { description: "The tenant's limits (TENANT_LIMITS)." },
      ),
      tasks_in_flight: { type: ['integer', 'null'], minimum: 0, description: 'Tasks queued or processing now, counted up to `max_tasks_in_flight`; null when there is no such limit.' },
      api_version: apiVersion,
    },
    { description: "The caller's own tenant today: usage, tasks, limits. Never another tenant's." },
  ),
  AgentList: object(
    {
      data: { type: 'array', items: ref('Agent'), description: 'By name, then newest version first. Empty when no worker is alive: the API does not guess.' },
      api_version: apiVersion,
    },
    { description: 'The agents the live workers registered, one entry per name and version.' },
  ),

  Health: object({ status: { const: 'ok' }, api_version: apiVersion }, { description: 'The process is up.' }),
  CheckStatus: { enum: ['ok', 'down'] },
  Readiness: object(
    {
      status: { enum: ['ok', 'unavailable'], description: '`ok` when MongoDB and Redis both answered.' },
      checks: object({ mongodb: ref('CheckStatus'), redis: ref('CheckStatus') }),
      api_version: apiVersion,
    },
    { description: 'Whether the API can accept tasks.' },
  ),

  ErrorDetail: {
    type: 'object',
    required: ['message'],
    properties: {
      field: string('The body field, query parameter or path parameter at fault.'),
      message: string(),
    },
    additionalProperties: false,
  },
  Error: object(
    {
      error: {
        type: 'object',
        required: ['type', 'message', 'request_id'],
        properties: {
          type: { type: 'string', enum: ERROR_TYPES, description: 'Stable error type; the HTTP status follows from it.' },
          message: string('What went wrong, for humans. Never a stack trace.', { minLength: 1 }),
          details: { type: 'array', minItems: 1, items: ref('ErrorDetail'), description: 'Present on validation errors: one entry per problem.' },
          request_id: { ...REQUEST_ID_SCHEMA, description: 'Same as the X-Request-Id header; quote it when reporting a problem.' },
        },
        additionalProperties: false,
      },
      api_version: apiVersion,
    },
    { description: 'The one error shape of every endpoint.' },
  ),

  OpenApiDocument: {
    type: 'object',
    required: ['openapi', 'info', 'paths'],
    properties: { openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' }, info: { type: 'object' }, paths: { type: 'object' } },
    description: 'This document.',
  },
};
