/**
 * Component schemas of the observability endpoints: today's usage in
 * GET /v1/system/metrics, the task timeline (GET /v1/tasks/{task_id}/events)
 * and the metrics history (GET /v1/system/metrics/history). Kept apart from
 * openapi.schemas.ts so those endpoints' documentation lives in one place.
 */
import { API_VERSION, TASK_EVENT_TYPES, TASK_STATUSES } from '@agent-orchestrator/domain';
import { count, nullableRef, object, ref } from './openapi.builders';
import type { JsonSchema } from './openapi.types';

const cost: JsonSchema = {
  type: ['number', 'null'],
  minimum: 0,
  description: 'Estimated cost in US dollars (price table LLM_PRICES); null when unknown: a call to a model without a price is part of it (never counted as $0).',
};
const nullable = nullableRef;
const apiVersion: JsonSchema = { const: API_VERSION, description: 'Version of the API that answered.' };

const totals = {
  prompt_tokens: count('Input tokens.'),
  completion_tokens: count('Output tokens.'),
  total_tokens: count('Input and output tokens.'),
  cost_usd: cost,
};

export const observabilitySchemas: Record<string, JsonSchema> = {
  UsageToday: object(
    {
      ...totals,
      by_agent: {
        type: 'array',
        items: object({ agent_name: { type: 'string', description: 'Agent, or `PeerAgent` for the router.' }, ...totals }),
        description: 'Most tokens first.',
      },
      by_model: { type: 'array', items: object({ model: { type: 'string', description: 'Model name.' }, ...totals }), description: 'Most tokens first.' },
    },
    { description: 'Tokens and estimated cost of the LLM calls (router and agents) of the runs that finished in the UTC day.' },
  ),
  TaskEvent: object(
    {
      event: { type: 'string', description: `Lifecycle event (add-only names): ${TASK_EVENT_TYPES.join(', ')}.`, examples: ['task.routed'] },
      level: { enum: ['debug', 'info', 'warn', 'error'] },
      message: { type: 'string', description: "The log line's message, e.g. `task routed`." },
      timestamp: { type: ['string', 'null'], format: 'date-time', description: 'When it happened. Null only when the stored value is unreadable.' },
      agent_name: { type: ['string', 'null'], description: 'Agent concerned, when known.' },
      service: { type: 'string', description: '`api` or `worker`.' },
      request_id: { type: ['string', 'null'], description: 'X-Request-Id of the request that created the task.' },
      data: { type: 'object', description: "The event's own figures (attempt, confidence, tokens, cost_usd, duration_ms, error_type...), secrets redacted." },
    },
    { description: 'One lifecycle event of a task.' },
  ),
  TaskEvents: object(
    {
      task_id: { type: 'string', format: 'uuid' },
      events: { type: 'array', items: ref('TaskEvent'), description: 'Oldest first; at most 500. Events older than LOG_RETENTION_DAYS are gone.' },
      logging_enabled: {
        type: 'boolean',
        description: 'Whether this API stores events (LOG_TO_MONGO=true). When false the list holds only what was stored before, usually nothing.',
      },
      api_version: apiVersion,
    },
    { description: "A task's timeline." },
  ),
  MetricsSnapshot: object(
    {
      interval_start: { type: ['string', 'null'], format: 'date-time', description: 'Start of the minute (unique).' },
      taken_at: { type: ['string', 'null'], format: 'date-time', description: 'Time of the latest change counted in that minute, or of its queue sample.' },
      queue: nullable('QueueCounts', 'The queue sampled by a worker in that minute; null when none was.'),
      tasks_by_status: {
        description: 'Tasks created that UTC day, by their status at the end of the minute.',
        oneOf: [object(Object.fromEntries(TASK_STATUSES.map((s) => [s, count(`Tasks now ${s}.`)]))), { type: 'null' }],
      },
      tasks_by_agent: { type: ['array', 'null'], items: ref('AgentCount'), description: 'Tasks created that day routed to each agent.' },
      latency_ms: nullable('LatencyToday', 'Latency of the tasks finished that day.'),
      usage: nullable('UsageToday', 'Tokens and cost of that day so far.'),
    },
    { description: 'The figures of GET /v1/system/metrics as they stood at the end of one minute (from the running counters).' },
  ),
  MetricsHistory: object(
    {
      from: { type: 'string', format: 'date-time', description: 'Start of the range (inclusive).' },
      to: { type: 'string', format: 'date-time', description: 'End of the range (exclusive).' },
      snapshots: { type: 'array', items: ref('MetricsSnapshot'), description: 'Oldest first, one per minute with activity or a queue sample; at most 10080.' },
      api_version: apiVersion,
    },
    { description: 'The system figures minute by minute over a range.' },
  ),
};
