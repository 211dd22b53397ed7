import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StubChatRequest, StubHandler, StubReply } from './openai-stub';

export interface AnthropicStub {
  /** Base URL to give the Anthropic SDK (`ANTHROPIC_BASE_URL`; the SDK adds `/v1/messages`). */
  url: string;
  requests: StubChatRequest[];
  setHandler(handler: StubHandler): void;
  close(): Promise<void>;
}

type Block = { type?: string; text?: unknown; content?: unknown };

const textOfContent = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? (content as Block[]).map((b) => (b && typeof b.text === 'string' ? b.text : b && b.type === 'tool_result' ? textOfContent(b.content) : '')).join('')
      : '';

function parseRequest(body: Record<string, unknown>, headers: IncomingMessage['headers']): StubChatRequest {
  const messages = (Array.isArray(body['messages']) ? body['messages'] : []) as StubChatRequest['messages'];
  const tools = body['tools'] as Array<{ name?: string }> | undefined;
  const choice = body['tool_choice'] as { type?: string; name?: string } | undefined;
  const users = messages.filter((m) => m.role === 'user');
  return {
    model: String(body['model'] ?? ''),
    messages,
    system: textOfContent(body['system']),
    lastUser: users.length ? textOfContent(users[users.length - 1]!.content) : '',
    schemaName: choice?.name ?? tools?.[0]?.name ?? null,
    body,
    headers,
  };
}

function message(req: StubChatRequest, reply: Extract<StubReply, { content: string } | { json: unknown }>) {
  const usesTool = 'json' in reply && Array.isArray(req.body['tools']) && (req.body['tools'] as unknown[]).length > 0;
  const text = 'json' in reply ? JSON.stringify(reply.json) : reply.content;
  const promptChars = textOfContent(req.body['system']).length + req.messages.reduce((n, m) => n + textOfContent(m.content).length, 0);
  const usage = reply.usage ?? { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(text.length / 4) };
  const content: Array<{ type: 'tool_use'; id: string; name: string | null; input: unknown; text?: undefined } | { type: 'text'; text: string; id?: undefined; name?: undefined; input?: undefined }> = usesTool
    ? [{ type: 'tool_use', id: 'toolu_stub_1', name: req.schemaName, input: (reply as { json: unknown }).json }]
    : [{ type: 'text', text }];
  return {
    id: `msg_stub_${Date.now()}`,
    type: 'message',
    role: 'assistant',
    model: req.model,
    content,
    stop_reason: usesTool ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens },
  };
}

/** The pieces a streamed answer is cut into: about `size` characters each. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

/**
 * A streamed answer as the Messages API sends it (`stream: true`): Server-Sent Events named by their
 * `type`: `message_start` (the message without content, `usage.input_tokens` and the first output
 * token), `content_block_start`, a `ping`, `content_block_delta`s (`text_delta` pieces of the text, or
 * `input_json_delta` pieces of a forced tool call's JSON input), `content_block_stop`, `message_delta`
 * (the stop reason and the cumulative `usage.output_tokens`) and `message_stop`. `chunkChars` and
 * `chunkDelayMs` pace it as in the OpenAI stub.
 */
async function sendStream(res: ServerResponse, req: StubChatRequest, reply: Extract<StubReply, { content: string } | { json: unknown }>): Promise<void> {
  const full = message(req, reply);
  const block = full.content[0]!;
  const event = (type: string, payload: Record<string, unknown>): boolean => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const size = reply.chunkChars ?? 16;
  const pause = () => (reply.chunkDelayMs ? new Promise((r) => setTimeout(r, reply.chunkDelayMs)) : Promise.resolve());
  event('message_start', {
    message: { ...full, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: full.usage.input_tokens, output_tokens: Math.min(1, full.usage.output_tokens) } },
  });
  const isTool = block.type === 'tool_use';
  event('content_block_start', { index: 0, content_block: isTool ? { type: 'tool_use', id: block.id, name: block.name, input: {} } : { type: 'text', text: '' } });
  event('ping', {});
  const whole = isTool ? JSON.stringify(block.input) : String(block.text ?? '');
  for (const part of pieces(whole, size)) {
    if (res.destroyed) return;
    event('content_block_delta', { index: 0, delta: isTool ? { type: 'input_json_delta', partial_json: part } : { type: 'text_delta', text: part } });
    await pause();
  }
  event('content_block_stop', { index: 0 });
  event('message_delta', { delta: { stop_reason: full.stop_reason, stop_sequence: null }, usage: { output_tokens: full.usage.output_tokens } });
  event('message_stop', {});
  res.end();
}

const ERROR_TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error', 529: 'overloaded_error' };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const error = (status: number, message: string) => ({ type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } });

/**
 * A local HTTP server that speaks enough of the Anthropic Messages API
 * (`POST /v1/messages`) for the real SDK (through @langchain/anthropic) to talk
 * to it: text answers, structured output as a forced `tool_use`, usage
 * (`input_tokens`, `output_tokens`) and error statuses, whole or streamed (`stream: true`: the
 * Messages API's Server-Sent Events, see `sendStream`). The same handlers and
 * request records as `startOpenAiStub`: `system` is the top-level system prompt,
 * `schemaName` the tool the caller forces.
 */
export async function startAnthropicStub(handler: StubHandler): Promise<AnthropicStub> {
  let current = handler;
  const requests: StubChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
          send(res, 404, error(404, `stub: no route ${req.method} ${req.url}`));
          return;
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          send(res, 400, error(400, 'stub: invalid JSON'));
          return;
        }
        if (typeof body['max_tokens'] !== 'number') {
          send(res, 400, error(400, 'max_tokens: Field required'));
          return;
        }
        const parsed = parseRequest(body, req.headers);
        requests.push(parsed);
        try {
          const reply = await current(parsed);
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
          if ('status' in reply) send(res, reply.status, error(reply.status, reply.message ?? `stub error ${reply.status}`), reply.headers);
          else if (body['stream'] === true) await sendStream(res, parsed, reply);
          else send(res, 200, message(parsed, reply));
        } catch (err) {
          send(res, 500, error(500, `stub handler threw: ${(err as Error).message}`));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
