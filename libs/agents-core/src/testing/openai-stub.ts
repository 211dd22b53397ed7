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
   * connection (false: the caller was gone first, e.g. its process was killed mid-call).
   */
  answered?: { status: number; delivered: boolean };
}

export type StubReply =
  | { content: string; usage?: { prompt_tokens: number; completion_tokens: number }; delayMs?: number }
  | { json: unknown; usage?: { prompt_tokens: number; completion_tokens: number }; delayMs?: number }
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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A local HTTP server that speaks enough of the OpenAI Chat Completions API for
 * the real SDK (through LangChain) to talk to it: plain text answers, JSON-schema
 * structured output, tool calls, usage, and error statuses. Tests script the
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
        if (body['stream'] === true) {
          send(res, 400, { error: { message: 'stub: streaming is not supported', type: 'invalid_request_error' } });
          return;
        }
        const parsed = parseRequest(body, req.headers);
        requests.push(parsed);
        // 'close' comes after a finished response, or first when the caller went away (nothing or not all of it sent).
        res.once('close', () => {
          parsed.answered = { status: res.headersSent ? res.statusCode : 0, delivered: res.headersSent && res.writableFinished };
        });
        try {
          const reply = await current(parsed);
          if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
          if ('status' in reply) {
            send(res, reply.status, { error: { message: reply.message ?? `stub error ${reply.status}`, type: 'api_error', code: null } }, reply.headers);
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
