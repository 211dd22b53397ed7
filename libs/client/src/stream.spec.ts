// stream and waitForCompletion against a real local SSE server speaking the stream's wire contract.
import type { ServerResponse } from 'node:http';
import { AgentOrchestratorClient } from './client';
import { AbortError, ApiError, NetworkError, TimeoutError } from './errors';
import { StreamProtocolError } from './stream';
import type { TaskStreamEvent } from './stream-types';
import { TASK_ID, task } from './testing/fixtures';
import { errorBody, sendJson, startServer, type LocalServer, type SeenRequest } from './testing/local-server';

const STREAM = `/v1/tasks/${TASK_ID}/stream`;

/** The task's whole history: 4 lifecycle events, 3 deltas, the terminal event (its figures in `data`, the task next to it, as the API sends them). */
const FINAL_TASK = task({ status: 'completed', completed_at: '2026-01-01T00:00:09.000Z' });
const HISTORY: [string, Record<string, unknown>][] = [
  ['task.accepted', {}],
  ['task.picked_up', { attempt: 1 }],
  ['task.routed', { confidence: 0.9 }],
  ['agent.started', {}],
  ['delta', { text: 'Primes ' }],
  ['delta', { text: 'keep banking ' }],
  ['delta', { text: 'safe.' }],
  ['task.completed', { attempt: 1, total_tokens: 1200 }],
];

function message(n: number, history = HISTORY): string {
  const [event, data] = history[n - 1]!;
  const terminal = event === 'task.completed';
  return `id: ${n}\nevent: ${event}\ndata: ${JSON.stringify({ event, timestamp: '2026-01-01T00:00:00.000Z', task_id: TASK_ID, agent_name: 'ContentAgent', data, ...(terminal ? { task: FINAL_TASK } : {}) })}\n\n`;
}

/** A message with any name and, for a terminal event, the task it carries. */
function raw(n: number, event: string, data: Record<string, unknown> = {}, carried?: ReturnType<typeof task>): string {
  return `id: ${n}\nevent: ${event}\ndata: ${JSON.stringify({ event, timestamp: '2026-01-01T00:00:00.000Z', task_id: TASK_ID, agent_name: null, data, ...(carried ? { task: carried } : {}) })}\n\n`;
}

/** A task that failed, was retried, and completed: its `task.failed` replayed carries the task as it is when sent. */
const RETRIED_HISTORY = (failedCarries: ReturnType<typeof task>) =>
  raw(1, 'task.accepted') +
  raw(2, 'task.picked_up', { attempt: 1 }) +
  raw(3, 'task.failed', { error_type: 'LLM_ERROR' }, failedCarries) +
  raw(4, 'task.retried') +
  raw(5, 'task.picked_up', { attempt: 2 }) +
  raw(6, 'task.completed', { attempt: 2 }, FINAL_TASK);

function openStream(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  res.write(': ping\n\n');
}

/** Where a request resumes: after its Last-Event-ID (header or query), else from the start. */
const resumeAfter = (req: SeenRequest): number => Number(req.headers['last-event-id'] ?? new URL(req.url, 'http://x').searchParams.get('last_event_id') ?? 0);

describe('stream', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const client = (s: LocalServer) => new AgentOrchestratorClient({ baseUrl: s.url, apiKey: 'k', retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 50 } });

  it('yields typed events in order and ends after the terminal event', async () => {
    server = await startServer((_req, res) => {
      openStream(res);
      // Split mid-message, the way a proxy may deliver it.
      const all = HISTORY.map((_, i) => message(i + 1)).join('');
      res.write(all.slice(0, 100));
      setTimeout(() => res.end(all.slice(100)), 20);
    });
    const events: TaskStreamEvent[] = [];
    let text = '';
    for await (const e of client(server).stream(TASK_ID)) {
      events.push(e);
      if (e.event === 'delta') text += e.data.text;
    }
    expect(events.map((e) => `${e.id} ${e.event}`)).toEqual(HISTORY.map(([name], i) => `${i + 1} ${name}`));
    expect(text).toBe('Primes keep banking safe.');
    const last = events.at(-1)!;
    expect(last.event === 'task.completed' && last.task).toEqual(FINAL_TASK);
    expect(last.data).toEqual({ attempt: 1, total_tokens: 1200 });
    // Narrowed by its name, a lifecycle event's figures are `Record<string, unknown>`.
    const routed = events.find((e) => e.event === 'task.routed');
    expect(routed?.event === 'task.routed' && routed.data['confidence']).toBe(0.9);
    expect(server.requests).toEqual([expect.objectContaining({ method: 'GET', url: STREAM })]);
    expect(server.requests[0]!.headers).toMatchObject({ accept: 'text/event-stream', authorization: 'Bearer k' });
  });

  it('reconnects by itself after a cut with Last-Event-ID: nothing lost, nothing repeated', async () => {
    server = await startServer((req, res, i) => {
      openStream(res);
      const from = resumeAfter(req);
      if (i === 0) {
        // Three events, half of the fourth, then the connection drops.
        res.write(message(1) + message(2) + message(3) + message(4).slice(0, 12));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      if (i === 1) {
        // Closed cleanly before the end (a deploy): the client must come back again. Repeats event 3.
        res.end(message(3) + message(from + 1) + message(from + 2));
        return;
      }
      res.end(HISTORY.slice(from).map((_, k) => message(from + k + 1)).join(''));
    });
    const ids: number[] = [];
    for await (const e of client(server).stream(TASK_ID)) ids.push(e.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual([undefined, '3', '5']);
  });

  it('closes the connection as soon as the caller leaves the loop', async () => {
    let closed!: () => void;
    const serverSawClose = new Promise<void>((resolve) => (closed = resolve));
    server = await startServer((_req, res) => {
      openStream(res);
      res.write(message(1) + message(2));
      res.on('close', () => closed());
    });
    for await (const e of client(server).stream(TASK_ID)) {
      expect(e.id).toBe(1);
      break;
    }
    await serverSawClose;
    expect(server.requests).toHaveLength(1);
  });

  it('resumes from a lastEventId given by the caller', async () => {
    server = await startServer((req, res) => {
      openStream(res);
      const from = resumeAfter(req);
      res.end(HISTORY.slice(from).map((_, k) => message(from + k + 1)).join(''));
    });
    const ids: number[] = [];
    for await (const e of client(server).stream(TASK_ID, { lastEventId: 6 })) ids.push(e.id);
    expect(ids).toEqual([7, 8]);
  });

  it('does not reconnect after an error answer that will not change (404, 401)', async () => {
    server = await startServer((_req, res) => sendJson(res, 404, errorBody('NOT_FOUND', 'No such task.', 'req-404')));
    const it = client(server).stream(TASK_ID);
    await expect(it.next()).rejects.toMatchObject({ type: 'NOT_FOUND', status: 404, requestId: 'req-404' });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 429 with its Retry-After, and gives up after maxReconnects cuts in a row without an event', async () => {
    server = await startServer((_req, res, i) => {
      if (i === 0) return sendJson(res, 429, errorBody('RATE_LIMITED', 'Too many streams.'), { 'Retry-After': '0' });
      openStream(res);
      res.end();
    });
    const run = (async () => {
      for await (const e of client(server!).stream(TASK_ID, { maxReconnects: 2 })) throw new Error(`unexpected event ${e.id}`);
    })();
    await expect(run).rejects.toBeInstanceOf(NetworkError);
    // The 429, then an empty stream and 2 reconnects that bring nothing.
    expect(server.requests).toHaveLength(4);
  });

  it('skips an event name it does not know (a newer server) but resumes after it', async () => {
    const withNew: [string, Record<string, unknown>][] = [...HISTORY.slice(0, 2), ['task.something_new', { x: 1 }], ...HISTORY.slice(2)];
    server = await startServer((req, res, i) => {
      openStream(res);
      const from = resumeAfter(req);
      // The first connection drops right after the unknown event.
      if (i === 0) {
        res.write(message(1, withNew) + message(2, withNew) + message(3, withNew));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      res.end(withNew.slice(from).map((_, k) => message(from + k + 1, withNew)).join(''));
    });
    const seen: string[] = [];
    for await (const e of client(server).stream(TASK_ID)) seen.push(`${e.id} ${e.event}`);
    expect(seen).toEqual(withNew.map(([name], i) => `${i + 1} ${name}`).filter((s) => !s.endsWith('something_new')));
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual([undefined, '3']);
  });

  it('refuses a lastEventId the API would refuse, before any request', async () => {
    server = await startServer((_req, res) => sendJson(res, 500, errorBody('INTERNAL_ERROR', 'not expected')));
    for (const bad of [-1, 1.5, '12a', '1234567890123456']) await expect(client(server).stream(TASK_ID, { lastEventId: bad }).next()).rejects.toBeInstanceOf(RangeError);
    expect(server.requests).toHaveLength(0);
  });

  it('stops on a message without an event id', async () => {
    server = await startServer((_req, res) => {
      openStream(res);
      res.write('event: task.accepted\ndata: {"event":"task.accepted"}\n\n');
    });
    await expect(client(server).stream(TASK_ID).next()).rejects.toBeInstanceOf(StreamProtocolError);
  });

  it('goes on after a task.failed the server follows with more events (a retried task), and ends when the server closes', async () => {
    server = await startServer((_req, res) => {
      openStream(res);
      res.end(RETRIED_HISTORY(task({ status: 'queued' })));
    });
    const seen: string[] = [];
    for await (const e of client(server).stream(TASK_ID)) seen.push(`${e.id} ${e.event}`);
    expect(seen).toEqual(['1 task.accepted', '2 task.picked_up', '3 task.failed', '4 task.retried', '5 task.picked_up', '6 task.completed']);
    expect(server.requests).toHaveLength(1);
  });

  it('ends without reconnecting when the connection is cut right after the terminal event', async () => {
    server = await startServer((_req, res) => {
      openStream(res);
      res.write(HISTORY.map((_, i) => message(i + 1)).join(''));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const ids: number[] = [];
    for await (const e of client(server).stream(TASK_ID)) ids.push(e.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(server.requests).toHaveLength(1);
  });

  it('replaces a connection that goes silent (no event, no ping) for idleTimeoutMs, resuming after the last event', async () => {
    server = await startServer((req, res, i) => {
      openStream(res);
      const from = resumeAfter(req);
      // The first connection stops sending anything after event 2 but stays open (a half-open TCP connection).
      if (i === 0) return void res.write(message(1) + message(2));
      res.end(HISTORY.slice(from).map((_, k) => message(from + k + 1)).join(''));
    });
    const ids: number[] = [];
    const started = Date.now();
    for await (const e of client(server).stream(TASK_ID, { idleTimeoutMs: 150 })) ids.push(e.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual([undefined, '2']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up with TimeoutError when every connection stays silent', async () => {
    server = await startServer((_req, res) => openStream(res));
    await expect(client(server).stream(TASK_ID, { idleTimeoutMs: 50, maxReconnects: 1 }).next()).rejects.toBeInstanceOf(TimeoutError);
    expect(server.requests).toHaveLength(2);
  });

  it('stops on a message that is not the contract\'s JSON, and when the signal fires', async () => {
    server = await startServer((_req, res) => {
      openStream(res);
      res.write('id: 1\nevent: task.accepted\ndata: not json\n\n');
    });
    await expect(client(server).stream(TASK_ID).next()).rejects.toBeInstanceOf(StreamProtocolError);
    await server.close();

    server = await startServer((_req, res) => {
      openStream(res);
      res.write(message(1));
    });
    const controller = new AbortController();
    const ids: number[] = [];
    const run = (async () => {
      for await (const e of client(server!).stream(TASK_ID, { signal: controller.signal })) {
        ids.push(e.id);
        controller.abort();
      }
    })();
    await expect(run).rejects.toBeInstanceOf(AbortError);
    expect(ids).toEqual([1]);
  });
});

describe('waitForCompletion', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const client = (s: LocalServer) => new AgentOrchestratorClient({ baseUrl: s.url, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 50 } });

  it('returns the task of the stream\'s terminal event, telling each event as it comes', async () => {
    server = await startServer((_req, res) => {
      openStream(res);
      res.end(HISTORY.map((_, i) => message(i + 1)).join(''));
    });
    const seen: string[] = [];
    const done = await client(server).waitForCompletion(TASK_ID, { onEvent: (e) => seen.push(e.event) });
    expect(done.status).toBe('completed');
    expect(seen).toHaveLength(HISTORY.length);
    expect(server.requests.map((r) => r.url)).toEqual([STREAM]);
  });

  it('reads past a task.failed whose task was retried since, to the finished task', async () => {
    server = await startServer((_req, res) => {
      openStream(res);
      res.end(RETRIED_HISTORY(task({ status: 'processing', attempts: 2 })));
    });
    const seen: number[] = [];
    const done = await client(server).waitForCompletion(TASK_ID, { onEvent: (e) => seen.push(e.id) });
    expect(done).toEqual(FINAL_TASK);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(server.requests.map((r) => r.url)).toEqual([STREAM]);
  });

  it('polls when the stream ended on a terminal event whose task is not finished (retried just then)', async () => {
    server = await startServer((req, res) => {
      if (req.url === STREAM) {
        openStream(res);
        return void res.end(raw(1, 'task.accepted') + raw(2, 'task.failed', {}, task({ status: 'queued' })));
      }
      sendJson(res, 200, FINAL_TASK);
    });
    expect(await client(server).waitForCompletion(TASK_ID, { pollIntervalMs: 20 })).toEqual(FINAL_TASK);
    expect(server.requests.map((r) => r.url)).toEqual([STREAM, `/v1/tasks/${TASK_ID}`]);
  });

  it('polls with backoff when the API has no stream (404 on the stream path)', async () => {
    server = await startServer((req, res) => {
      if (req.url === STREAM) return sendJson(res, 404, errorBody('NOT_FOUND', 'No such route.'));
      const polls = server!.requests.filter((r) => r.url !== STREAM).length;
      sendJson(res, 200, task({ status: polls < 3 ? 'processing' : 'failed', error: polls < 3 ? null : { type: 'LLM_ERROR', message: 'x' } }));
    });
    const done = await client(server).waitForCompletion(TASK_ID, { pollIntervalMs: 20, maxPollIntervalMs: 40 });
    expect(done.status).toBe('failed');
    expect(server.requests.map((r) => r.url)).toEqual([STREAM, `/v1/tasks/${TASK_ID}`, `/v1/tasks/${TASK_ID}`, `/v1/tasks/${TASK_ID}`]);
  });

  it('polls only, when told; a missing task is the 404 of the poll', async () => {
    server = await startServer((_req, res) => sendJson(res, 404, errorBody('NOT_FOUND', 'No such task.')));
    await expect(client(server).waitForCompletion(TASK_ID, { stream: 'never' })).rejects.toBeInstanceOf(ApiError);
    expect(server.requests.map((r) => r.url)).toEqual([`/v1/tasks/${TASK_ID}`]);
  });

  it('times out with TimeoutError, and stops with AbortError when the caller aborts', async () => {
    server = await startServer((req, res) => (req.url === STREAM ? sendJson(res, 404, errorBody('NOT_FOUND', 'x')) : sendJson(res, 200, task({ status: 'processing' }))));
    const started = Date.now();
    await expect(client(server).waitForCompletion(TASK_ID, { timeoutMs: 300, pollIntervalMs: 20 })).rejects.toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(2000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(client(server).waitForCompletion(TASK_ID, { signal: controller.signal, stream: 'never', pollIntervalMs: 20 })).rejects.toBeInstanceOf(AbortError);
  });
});
