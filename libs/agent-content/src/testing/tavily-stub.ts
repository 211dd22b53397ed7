import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A search request as the stub received it (the SDK sends snake_case JSON to POST {base}/search). */
export interface TavilyStubRequest {
  method: string;
  path: string;
  query: string;
  maxResults: number | null;
  searchDepth: string | null;
  /** The bearer token sent, or null when none was (the SDK's keyless mode). */
  apiKey: string | null;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

/** One result, in the API's wire format. */
export interface TavilyStubResult {
  title: string;
  url: string;
  content: string;
  score?: number;
  published_date?: string;
}

export type TavilyStubReply =
  | { results: TavilyStubResult[]; answer?: string; delayMs?: number }
  /** An error status; the body defaults to Tavily's `{"detail": {"error": message}}` with its documented message for the status. */
  | { status: number; message?: string; body?: unknown; delayMs?: number }
  /** Closes the connection without answering: a network error for the client. */
  | { drop: true; delayMs?: number };

export type TavilyStubHandler = (req: TavilyStubRequest) => TavilyStubReply | Promise<TavilyStubReply>;

export interface TavilyStub {
  /** Base URL to give the SDK as `apiBaseURL` (or TAVILY_BASE_URL); no trailing slash. */
  url: string;
  requests: TavilyStubRequest[];
  setHandler(handler: TavilyStubHandler): void;
  close(): Promise<void>;
}

/** Texts Tavily's API sends for these statuses (help.tavily.com, "Errors Code"). */
const TAVILY_ERROR_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized: missing or invalid API key.',
  429: 'Your request has been blocked due to excessive requests. Please reduce rate of requests.',
  432: "This request exceeds your plan's set usage limit. Please upgrade your plan or contact support@tavily.com",
  433: 'This request exceeds the pay-as-you-go limit. You can increase your limit on the Tavily dashboard.',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'query';

/** Three deterministic results derived from the query (fewer if `max_results` asks for fewer). */
export function defaultTavilyResults(query: string, maxResults: number | null = null): TavilyStubResult[] {
  const q = query.replace(/\s+/g, ' ').trim();
  const results = (['com', 'org', 'net'] as const).map((tld, i) => ({
    title: `${q.slice(0, 80)}: source ${i + 1}`,
    url: `https://example.${tld}/${slug(q)}`,
    content: `Stub excerpt ${i + 1} about "${q.slice(0, 80)}".`,
    score: Number((0.9 - i * 0.1).toFixed(2)),
  }));
  return maxResults === null ? results : results.slice(0, Math.max(0, maxResults));
}

export const defaultTavilyHandler: TavilyStubHandler = (req) => ({ results: defaultTavilyResults(req.query, req.maxResults) });

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function toRequest(method: string, path: string, body: Record<string, unknown>, headers: IncomingHttpHeaders): TavilyStubRequest {
  const auth = headers.authorization;
  return {
    method,
    path,
    query: typeof body['query'] === 'string' ? body['query'] : '',
    maxResults: typeof body['max_results'] === 'number' ? body['max_results'] : null,
    searchDepth: typeof body['search_depth'] === 'string' ? body['search_depth'] : null,
    apiKey: typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null,
    body,
    headers,
  };
}

/**
 * A local HTTP server speaking enough of Tavily's search API for the official
 * SDK (`@tavily/core`) to talk to it: `POST {url}/search` with the SDK's
 * snake_case body and bearer key, answered in the API's response shape.
 * Tests script answers (results, error statuses, dropped connections, delays)
 * with a handler and inspect the recorded requests.
 */
export async function startTavilyStub(handler: TavilyStubHandler = defaultTavilyHandler): Promise<TavilyStub> {
  let current = handler;
  let served = 0;
  const requests: TavilyStubRequest[] = [];
  // Pending reply delays, cleared on close so a slow scripted reply never keeps the test process alive.
  const timers = new Set<NodeJS.Timeout>();
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (req.method !== 'POST' || !path.endsWith('/search')) {
          send(res, 404, { detail: { error: `stub: no route ${req.method} ${path}` } });
          return;
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          send(res, 400, { detail: { error: 'stub: invalid JSON' } });
          return;
        }
        const parsed = toRequest(req.method, path, body, req.headers);
        requests.push(parsed);
        try {
          const reply = await current(parsed);
          if (reply.delayMs) await delay(reply.delayMs);
          if ('drop' in reply) {
            req.socket.destroy();
          } else if ('status' in reply) {
            send(res, reply.status, reply.body ?? { detail: { error: reply.message ?? TAVILY_ERROR_TEXT[reply.status] ?? `stub error ${reply.status}` } });
          } else {
            served += 1;
            send(res, 200, {
              query: parsed.query,
              follow_up_questions: null,
              answer: reply.answer ?? null,
              images: [],
              results: reply.results.map((r) => ({ raw_content: null, score: 0.5, ...r })),
              response_time: 0.01,
              request_id: `stub-${served}`,
            });
          }
        } catch (err) {
          send(res, 500, { detail: { error: `stub handler threw: ${(err as Error).message}` } });
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
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
