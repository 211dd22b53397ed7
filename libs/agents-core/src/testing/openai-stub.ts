import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat completion request as the stub received it. */
export interface StubChatRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  /** Concatenated text of the system messages. */
  system: string;
  /** Text of the last user message. */
  lastUser: string;
  /** Name of the structured output schema or tool the caller asked for, if any. */
  schemaName: string | null;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /**
   * Set once the stub has answered: the HTTP status, and whether the response reached a live
   * connection (false: the caller was gone first, e.g. its process was killed mid-call), and when
   * (epoch ms) the last byte of the answer was handed to the connection (or the caller went away).
   */
  answered?: { status: number; delivered: boolean; at_ms: number };
}

/** How a streamed answer (`stream: true`) is paced: pieces of `chunkChars` characters (default 16), `chunkDelayMs` apart (default 0). */
export interface StubStreamPacing {
  chunkChars?: number;
  chunkDelayMs?: number;
}

export type StubReply =
  | ({ content: string; usage?: { prompt_tokens: number; completion_tokens: number }; delayMs?: number } & StubStreamPacing)
  | ({ json: unknown; usage?: { prompt_tokens: number; completion_tokens: number }; delayMs?: number } & StubStreamPacing)
  | { status: number; message?: string; headers?: Record<string, string>; delayMs?: number };

export type StubHandler = (req: StubChatRequest) => StubReply | Promise<StubReply>;

export interface OpenAiStub {
  /** Base URL to give the OpenAI SDK (ends in `/v1`). */
  url: string;
  requests: StubChatRequest[];
  setHandler(handler: StubHandler): void;
  close(): Promise<void>;
}

const textOfContent = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : '')).join('')
      : '';

function parseRequest(body: Record<string, unknown>, headers: IncomingMessage['headers']): StubChatRequest {
  const messages = (Array.isArray(body['messages']) ? body['messages'] : []) as StubChatRequest['messages'];
  const rf = body['response_format'] as { type?: string; json_schema?: { name?: string } } | undefined;
  const tools = body['tools'] as Array<{ function?: { name?: string } }> | undefined;
  const schemaName = rf?.json_schema?.name ?? tools?.[0]?.function?.name ?? null;
  const users = messages.filter((m) => m.role === 'user');
  return {
    model: String(body['model'] ?? ''),
    messages,
    system: messages
      .filter((m) => m.role === 'system' || m.role === 'developer')
      .map((m) => textOfContent(m.content))
      .join('\n'),
    lastUser: users.length ? textOfContent(users[users.length - 1]!.content) : '',
    schemaName,
    body,
    headers,
  };
}

function completion(req: StubChatRequest, reply: Extract<StubReply, { content: string } | { json: unknown }>) {
  const usesTool = 'json' in reply && Array.isArray(req.body['tools']) && (req.body['tools'] as unknown[]).length > 0;
  const text = 'json' in reply ? JSON.stringify(reply.json) : reply.content;
  const promptChars = req.messages.reduce((n, m) => n + textOfContent(m.content).length, 0);
  const usage = reply.usage ?? { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(text.length / 4) };
  const message = usesTool
    ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_stub_1', type: 'function', function: { name: req.schemaName, arguments: text } }] }
    : { role: 'assistant', content: text };
  return {
    id: `chatcmpl-stub-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: usesTool ? 'tool_calls' : 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** The pieces a streamed answer is cut into: about `size` characters each. */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

/**
 * A streamed answer as OpenAI sends it (`stream: true`): Server-Sent Events of `chat.completion.chunk`
 * objects (the role, then the content in pieces, or the tool call's arguments in pieces, then the
 * finish reason), a last chunk with the usage and no choices when the request asked for it
 * (`stream_options.include_usage`), then `data: [DONE]`. `chunkChars` and `chunkDelayMs` pace it.
 */
async function sendStream(res: ServerResponse, req: StubChatRequest, reply: Extract<StubReply, { content: string } | { json: unknown }>): Promise<void> {
  const full = completion(req, reply);
  const choice = full.choices[0]!;
  const message = choice.message as { content: string | null; tool_calls?: Array<{ id: string; type: string; function: { name: string | null; arguments: string } }> };
  const base = { id: full.id, object: 'chat.completion.chunk', created: full.created, model: full.model };
  const write = (payload: unknown): boolean => res.write(`data: ${JSON.stringify(payload)}\n\n`);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const size = reply.chunkChars ?? 16;
  const pause = () => (reply.chunkDelayMs ? new Promise((r) => setTimeout(r, reply.chunkDelayMs)) : Promise.resolve());
  write(chunk({ role: 'assistant', content: message.tool_calls ? null : '' }));
  if (message.tool_calls) {
    const call = message.tool_calls[0]!;
    write(chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
    for (const part of pieces(call.function.arguments, size)) {
      if (res.destroyed) return;
      write(chunk({ tool_calls: [{ index: 0, function: { arguments: part } }] }));
      await pause();
    }
  } else {
    for (const part of pieces(message.content ?? '', size)) {
      if (res.destroyed) return;
      write(chunk({ content: part }));
      await pause();
    }
  }
  write(chunk({}, choice.finish_reason));
  const options = req.body['stream_options'] as { include_usage?: boolean } | undefined;
  if (options?.include_usage) write({ ...base, choices: [], usage: full.usage });
  res.end('data: [DONE]\n\n');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A local HTTP server that speaks enough of the OpenAI Chat Completions API for
 * the real SDK (through LangChain) to talk to it: plain text answers, JSON-schema
 * structured output, tool calls, usage, and error statuses, whole or streamed (`stream: true`,
 * Server-Sent Events of chunks as OpenAI sends them). Tests script the
 * answers with a handler and inspect the recorded requests.
 */
export async function startOpenAiStub(handler: StubHandler): Promise<OpenAiStub> {
  let current = handler;
  const requests: StubChatRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (req.method === 'GET' && req.url?.endsWith('/models')) {
          send(res, 200, { object: 'list', data: [] });
          return;
        }
        if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
          send(res, 404, { error: { message: `stub: no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
          return;
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          send(res, 400, { error: { message: 'stub: invalid JSON', type: 'invalid_request_error' } });
          return;
        }
        const parsed = parseRequest(body, req.headers);
        requests.push(parsed);
        // 'close' comes after a finished response, or first when the caller went away (nothing or not all of it sent).
        let finishedAt: number | undefined;
        res.once('finish', () => (finishedAt = Date.now()));
        res.once('close', () => {
          parsed.answered = { status: res.headersSent ? res.statusCode : 0, delivered: res.headersSent && res.writableFinished, at_ms: finishedAt ?? Date.now() };
        });
        try {
          const reply = await current(parsed);
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
          if ('status' in reply) {
            send(res, reply.status, { error: { message: reply.message ?? `stub error ${reply.status}`, type: 'api_error', code: null } }, reply.headers);
          } else if (body['stream'] === true) {
            await sendStream(res, parsed, reply);
          } else {
            send(res, 200, completion(parsed, reply));
          }
        } catch (err) {
          send(res, 500, { error: { message: `stub handler threw: ${(err as Error).message}`, type: 'api_error' } });
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
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
