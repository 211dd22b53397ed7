/**
 * The live progress stream, GET /v1/tasks/{task_id}/stream: its Server-Sent Events and their
 * payload schemas. An SSE body is one `text/event-stream` string to OpenAPI 3.1 (it has no
 * per-event schema), so each event's `data:` JSON is described by the component schemas below
 * (`TaskStreamEvent`, one branch per kind) and the description says how the messages are framed.
 */
import { DELTA_EVENT, TASK_EVENT_TYPES, TERMINAL_STREAM_EVENTS } from '@agent-orchestrator/domain';
import { object, ref } from './openapi.builders';
import type { JsonSchema } from './openapi.types';

const TERMINAL = TERMINAL_STREAM_EVENTS as readonly string[];
const LIFECYCLE = TASK_EVENT_TYPES.filter((e) => !TERMINAL.includes(e));

const envelope = (event: JsonSchema, data: JsonSchema, extra: Record<string, JsonSchema> = {}): JsonSchema =>
  object({
    event,
    timestamp: { type: 'string', format: 'date-time', description: 'When it happened (ISO 8601, UTC).' },
    task_id: { type: 'string', format: 'uuid' },
    agent_name: { type: ['string', 'null'], description: 'The agent concerned, when there is one (the router names the chosen agent in `task.routed`).' },
    data,
    ...extra,
  });

export const streamSchemas: Record<string, JsonSchema> = {
  TaskStreamLifecycleEvent: envelope(
    { enum: [...LIFECYCLE], description: 'A lifecycle step (names are add-only: ignore one you do not know).' },
    {
      type: 'object',
      description:
        "The event's own figures, as in the task timeline: `task.picked_up` attempt, queue_wait_ms, tenant; `task.routed` confidence, routed, tokens; `agent.finished` model, duration_ms, prompt_tokens, completion_tokens, total_tokens, cost_usd; `task.retried` / `task.requeued` why.",
    },
    {},
  ),
  TaskStreamDeltaEvent: envelope({ const: DELTA_EVENT, description: "A piece of the agent's output as it is written." }, object({ text: { type: 'string', description: 'The next characters of the output; join every delta in order.' } })),
  TaskStreamTerminalEvent: envelope(
    { enum: [...TERMINAL], description: 'The task ended; the server closes the stream after it (unless the task was retried meanwhile and has later events).' },
    { type: 'object', description: "The event's own figures (attempt, total_tokens, cost_usd, error_type...)." },
    { task: { ...ref('Task'), description: 'The task: the same body GET /v1/tasks/{task_id} returns (`api_version` included).' } },
  ),
  TaskStreamEvent: {
    description:
      'The JSON of one stream message (its `data:` line). The message also has `id:` (the per-task sequence number: 1, 2, 3... with no gap) and `event:` (the same name as `event` here).',
    oneOf: [ref('TaskStreamLifecycleEvent'), ref('TaskStreamDeltaEvent'), ref('TaskStreamTerminalEvent')],
  },
};

/**
 * One message of the stream, as SSE parsers read it (OpenAPI 3.1 has no `itemSchema`: for
 * `text/event-stream` the `schema` describes each event, the way schemathesis validates it):
 * `id`, `event` and `data`, the JSON of `TaskStreamEvent`.
 */
export const STREAM_MESSAGE_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'One message: `id:`, `event:` and one `data:` line of JSON (schema TaskStreamEvent). `: ping` comments come between messages.',
  required: ['id', 'event', 'data'],
  properties: {
    id: { type: 'string', pattern: '^[1-9][0-9]*$', description: "The task's sequence number: 1, 2, 3... with no gap. Send it back as Last-Event-ID to resume." },
    event: { enum: [...TASK_EVENT_TYPES, DELTA_EVENT], description: 'The event name, the same as `event` in the data.' },
    data: { type: 'string', contentMediaType: 'application/json', contentSchema: ref('TaskStreamEvent'), description: 'JSON: the TaskStreamEvent.' },
  },
};

export const STREAM_DESCRIPTION = `
Server-Sent Events (\`text/event-stream\`): the task's lifecycle events and, while its agent writes, \`delta\` events with the text as it is produced.
Each message is \`id: <n>\` (the task's sequence number: 1, 2, 3… with no gap), \`event: <name>\` and one \`data:\` line of JSON (schema \`TaskStreamEvent\`).
Names: ${TASK_EVENT_TYPES.map((e) => `\`${e}\``).join(', ')} and \`${DELTA_EVENT}\`.
A terminal event (${TERMINAL.map((e) => `\`${e}\``).join(', ')}) carries \`task\`, the same object as GET /v1/tasks/{task_id}, and the server closes the stream after it.
A comment line \`: ping\` comes every STREAM_HEARTBEAT_MS (15 s by default) so proxies keep the connection open.

**Resume.** Reconnect with the header \`Last-Event-ID: <n>\` (or the query parameter \`last_event_id\` for clients that cannot set headers; the header wins): you get every event after \`n\`, in order, each once, then the live ones.
A client that connects after the task ended gets its whole history, then the end. Events are kept STREAM_RETENTION_DAYS (90 by default), whatever LOG_TO_MONGO says.

**Limits.** STREAM_MAX_OPEN_PER_CLIENT open streams per tenant (else per IP) and API process: one more is a 429 \`RATE_LIMITED\` with \`Retry-After\`.
Errors before the stream starts (400, 401, 403, 404, 429, 503) have the usual JSON error shape.
`.trim();
