// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global
// setup; the built api and worker (`nx test e2e` builds them first). Starts local OpenAI and Tavily
// stubs (the OpenAI one streams its answers as OpenAI's SSE chunks): nothing leaves the machine.
// Two api processes and one worker: a ContentAgent task is followed on one api, the connection is
// cut mid-answer, and the stream is resumed with Last-Event-ID on the other.
import { MongoClient } from 'mongodb';
import { startOpenAiStub, type OpenAiStub, type StubChatRequest, type StubReply } from '@agent-orchestrator/agents-core/testing';
import { startTavilyStub, type TavilyStub } from '@agent-orchestrator/agent-content/testing';
import { testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { ApiContract } from './contract';
import { e2eEnv, freePort, startApp, stubProvidersEnv, waitFor, type AppProcess } from './processes';

const WRITING_TASK = 'Write a long blog post about how prime numbers keep online banking safe.';
/** The article the stub writes: ~3,600 characters in 20-character pieces, 10 ms apart (about 2 s). */
const ARTICLE = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1}: RSA rests on the difficulty of factoring large primes [1].`).join('\n');

function llm(req: StubChatRequest): StubReply {
  if (req.schemaName === 'route_decision') return { json: { agent_name: 'ContentAgent', confidence: 0.88, reasoning: 'A blog post is long-form writing.' }, usage: { prompt_tokens: 300, completion_tokens: 40 } };
  if (req.schemaName === 'search_queries') return { json: { queries: ['prime numbers online banking'] }, usage: { prompt_tokens: 120, completion_tokens: 20 } };
  return { content: ARTICLE, usage: { prompt_tokens: 900, completion_tokens: 900 }, chunkChars: 20, chunkDelayMs: 10 };
}

interface Message {
  id: number;
  event: string;
  data: { event: string; timestamp: string; task_id: string; agent_name: string | null; data: Record<string, unknown>; task?: Record<string, unknown> };
}

function parse(text: string): Message[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('id: '))
    .map((block) => {
      const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
      return { id: Number(field('id')), event: field('event'), data: JSON.parse(field('data')) as Message['data'] };
    });
}

/** Reads a stream until `stop(messages)` says so (then cuts the connection) or the server ends it. */
async function follow(url: string, headers: Record<string, string>, stop: (messages: Message[]) => boolean): Promise<{ messages: Message[]; ended: boolean; status: number; contentType: string | null }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { messages: parse(text), ended: true, status: res.status, contentType: res.headers.get('content-type') };
      text += decoder.decode(value, { stream: true });
      // Only whole messages count.
      const whole = text.slice(0, text.lastIndexOf('\n\n') + 2);
      if (stop(parse(whole))) {
        abort.abort();
        return { messages: parse(whole), ended: false, status: res.status, contentType: res.headers.get('content-type') };
      }
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') return { messages: parse(text.slice(0, text.lastIndexOf('\n\n') + 2)), ended: false, status: res.status, contentType: res.headers.get('content-type') };
    throw err;
  }
}

describe('live task stream end to end (two api processes, a worker, real MongoDB and Redis)', () => {
  let openai: OpenAiStub;
  let tavily: TavilyStub;
  let apis: AppProcess[] = [];
  let worker: AppProcess;
  let bases: string[] = [];
  let mongo: MongoClient;
  const dbName = testDatabaseName('ao_e2e_stream');
  const contract = new ApiContract();

  beforeAll(async () => {
    openai = await startOpenAiStub(llm);
    tavily = await startTavilyStub();
    const env = {
      ...e2eEnv({ dbName, redisUrl: testRedisUrl(7) }),
      LOG_LEVEL: 'info',
      ...stubProvidersEnv({ openaiUrl: openai.url, tavilyUrl: tavily.url }),
      STREAM_HEARTBEAT_MS: '1000',
      STREAM_DELTA_INTERVAL_MS: '100',
    };
    const ports = [await freePort(), await freePort()];
    bases = ports.map((p) => `http://127.0.0.1:${p}`);
    apis = ports.map((p) => startApp('api', { ...env, PORT: String(p) }));
    worker = startApp('worker', { ...env, WORKER_METRICS_ENABLED: 'false' });
    for (const base of bases) await waitFor(`api ${base} /readyz`, async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
    await waitFor('worker ready', async () => (worker.output().includes('worker ready') ? true : undefined));
    mongo = await MongoClient.connect(process.env['MONGO_URI']!);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([...apis.map((a) => a.stop()), worker?.stop()]);
    await mongo?.db(dbName).dropDatabase().catch(() => undefined);
    await mongo?.close();
    await Promise.allSettled([openai?.close(), tavily?.close()]);
  });

  afterEach(() => contract.assertClean());
  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      process.stderr.write(`--- api output ---\n${apis.map((a) => a.output().slice(-3000)).join('\n')}\n--- worker output ---\n${worker.output().slice(-4000)}\n`);
    }
  });

  it('streams a ContentAgent task with deltas; a cut connection resumed on another api process loses and repeats nothing; the end carries the task', async () => {
    const [a, b] = bases as [string, string];
    const submitted = await contract.fetch(`${a}/v1/agent/execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ task: WRITING_TASK }) });
    expect(submitted.status).toBe(202);
    const { task_id } = (await submitted.json()) as { task_id: string };

    // Follow on api A until a few deltas came, then cut the connection mid-answer.
    const first = await follow(`${a}/v1/tasks/${task_id}/stream`, {}, (m) => m.filter((x) => x.event === 'delta').length >= 3);
    expect(first.status).toBe(200);
    expect(first.contentType).toMatch(/^text\/event-stream/);
    expect(first.ended).toBe(false);
    const lastId = first.messages.at(-1)!.id;

    // Resume on api B with Last-Event-ID, to the end.
    const second = await follow(`${b}/v1/tasks/${task_id}/stream`, { 'Last-Event-ID': String(lastId) }, () => false);
    expect(second.ended).toBe(true);
    const all = [...first.messages, ...second.messages];

    // Every id once, in order, with no gap: nothing lost, nothing repeated.
    expect(all.map((m) => m.id)).toEqual(all.map((_, i) => i + 1));
    expect(second.messages[0]!.id).toBe(lastId + 1);
    const lifecycle = all.filter((m) => m.event !== 'delta').map((m) => m.event);
    expect(lifecycle).toEqual(['task.accepted', 'task.picked_up', 'task.routed', 'agent.started', 'agent.finished', 'task.completed']);
    for (const m of all) expect(m.data).toMatchObject({ event: m.event, task_id });
    expect(all.find((m) => m.event === 'task.routed')!.data).toMatchObject({ agent_name: 'ContentAgent', data: { confidence: 0.88 } });
    expect(all.find((m) => m.event === 'agent.finished')!.data.data).toMatchObject({ total_tokens: expect.any(Number), cost_usd: expect.any(Number) });
    // The deltas, joined, are the article as the model wrote it, in pieces coalesced well below one event per chunk.
    const deltas = all.filter((m) => m.event === 'delta');
    expect(deltas.map((m) => m.data.data['text']).join('')).toBe(ARTICLE);
    expect(deltas.length).toBeLessThan(Math.ceil(ARTICLE.length / 20) / 2);
    expect(all.findIndex((m) => m.event === 'delta')).toBeGreaterThan(lifecycle.indexOf('agent.started'));
    expect(all.findLastIndex((m) => m.event === 'delta')).toBeLessThan(all.findIndex((m) => m.event === 'agent.finished'));

    // The last event carries the task, as GET /v1/tasks/{id} returns it.
    const final = all.at(-1)!;
    expect(final.event).toBe('task.completed');
    const got = await contract.fetch(`${b}/v1/tasks/${task_id}`);
    const view = (await got.json()) as Record<string, unknown>;
    expect(final.data.task).toEqual(view);
    expect(view['status']).toBe('completed');

    // A client that connects after the end gets the whole history, then the end (checked against the document too).
    const late = await contract.fetch(`${a}/v1/tasks/${task_id}/stream`);
    expect(late.headers.get('x-accel-buffering')).toBe('no');
    const history = parse(await late.text());
    expect(history).toEqual(all);

    // The history is MongoDB's, whatever LOG_TO_MONGO says (it is off here).
    expect(await mongo.db(dbName).collection('task_stream_events').countDocuments({ task_id })).toBe(all.length);
    expect(await mongo.db(dbName).collection('logs').countDocuments({ task_id })).toBe(0);
  }, 60_000);

  it('answers a stream of an unknown task with a JSON 404 before any event', async () => {
    const res = await contract.fetch(`${bases[0]}/v1/tasks/3b241101-e2bb-4255-8caf-4136c566a962/stream`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('NOT_FOUND');
  });
});
