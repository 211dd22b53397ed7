// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global
// setup; the built api, worker and client (`nx test-int e2e` builds them first). Starts local OpenAI
// and Tavily stubs (the OpenAI one streams the article as OpenAI's SSE chunks): nothing leaves the machine.
// @agent-orchestrator/client's `stream` and `waitForCompletion` against the real api and worker: a
// ContentAgent task followed through a TCP proxy that cuts the connection mid-message, twice, while the
// agent writes; the client reconnects by itself with Last-Event-ID and loses and repeats nothing. Then
// `waitForCompletion` on the stream path, and the runnable example (libs/client/examples/stream-task.mjs).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AgentOrchestratorClient, type FetchLike, type TaskStreamEvent } from '@agent-orchestrator/client';
import { startOpenAiStub, type OpenAiStub, type StubChatRequest, type StubReply } from '@agent-orchestrator/agents-core/testing';
import { startTavilyStub, type TavilyStub } from '@agent-orchestrator/agent-content/testing';
import { testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { MongoClient } from 'mongodb';
import { ApiContract } from './contract';
import { startDropProxy, type DropProxy } from './drop-proxy';
import { e2eEnv, freePort, startApp, stubProvidersEnv, waitFor, type AppProcess } from './processes';

const root = join(__dirname, '..', '..', '..');
const WRITING_TASK = 'Write a long blog post about how prime numbers keep online banking safe.';
/** The article the stub writes: ~3,200 characters in 20-character pieces, 20 ms apart (about 3 s). */
const ARTICLE = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1}: RSA rests on the difficulty of factoring primes [1].`).join('\n');
const LIFECYCLE = ['task.accepted', 'task.picked_up', 'task.routed', 'agent.started', 'agent.finished', 'task.completed'];
/** Bytes of each stream answer the proxy lets through before it cuts: the headers, the first events and a few deltas, ending mid-message. */
const CUT_AFTER_BYTES = 2200;

function llm(req: StubChatRequest): StubReply {
  if (req.schemaName === 'route_decision') return { json: { agent_name: 'ContentAgent', confidence: 0.88, reasoning: 'A blog post is long-form writing.' }, usage: { prompt_tokens: 300, completion_tokens: 40 } };
  if (req.schemaName === 'search_queries') return { json: { queries: ['prime numbers online banking'] }, usage: { prompt_tokens: 120, completion_tokens: 20 } };
  return { content: ARTICLE, usage: { prompt_tokens: 900, completion_tokens: 900 }, chunkChars: 20, chunkDelayMs: 20 };
}

const joinedDeltas = (events: { event: string; data: unknown }[]): string =>
  events
    .filter((e) => e.event === 'delta')
    .map((e) => (e.data as { text: string }).text)
    .join('');

describe('@agent-orchestrator/client streaming a real task (api, worker, real MongoDB and Redis)', () => {
  let openai: OpenAiStub;
  let tavily: TavilyStub;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;
  let proxy: DropProxy;
  let mongo: MongoClient;
  const dbName = testDatabaseName('ao_e2e_client_stream');
  const contract = new ApiContract();
  /** The stream requests the client made (their Last-Event-ID), in order. */
  let streamRequests: { url: string; lastEventId: string | undefined }[] = [];

  /**
   * A client whose JSON calls are held against the served document; the stream goes through plain
   * fetch (the contract kit reads a whole body before answering), each request recorded.
   */
  const client = (baseUrl = base) => {
    const fetchFn: FetchLike = (url, init) => {
      if (!url.includes('/stream')) return contract.fetch(url, init);
      streamRequests.push({ url, lastEventId: (init.headers as Record<string, string>)['Last-Event-ID'] });
      return fetch(url, init);
    };
    return new AgentOrchestratorClient({ baseUrl, fetch: fetchFn, timeoutMs: 15_000, retry: { retries: 4, baseDelayMs: 100, maxDelayMs: 2000 } });
  };

  beforeAll(async () => {
    openai = await startOpenAiStub(llm);
    tavily = await startTavilyStub();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      ...e2eEnv({ dbName, redisUrl: testRedisUrl(9) }),
      PORT: String(port),
      API_RATE_LIMIT_PER_MINUTE: '0',
      ...stubProvidersEnv({ openaiUrl: openai.url, tavilyUrl: tavily.url, openaiKey: 'sk-e2e-client-stream-0123456789' }),
      STREAM_HEARTBEAT_MS: '1000',
      STREAM_DELTA_INTERVAL_MS: '100',
    };
    api = startApp('api', env);
    worker = startApp('worker', { ...env, WORKER_METRICS_ENABLED: 'false' });
    await waitFor('api /readyz', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
    await waitFor('worker ready', async () => (worker.output().includes('worker ready') ? true : undefined));
    proxy = await startDropProxy({ host: '127.0.0.1', port });
    mongo = await MongoClient.connect(process.env['MONGO_URI']!);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([api?.stop(), worker?.stop(), proxy?.close()]);
    await mongo?.db(dbName).dropDatabase().catch(() => undefined);
    await mongo?.close();
    await Promise.allSettled([openai?.close(), tavily?.close()]);
  });

  beforeEach(() => {
    streamRequests = [];
  });
  afterEach(() => contract.assertClean());
  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      process.stderr.write(`--- api output ---\n${api.output().slice(-3000)}\n--- worker output ---\n${worker.output().slice(-4000)}\n`);
    }
  });

  it('streams a ContentAgent task through connections cut mid-message: it reconnects with Last-Event-ID, ids 1..N with no gap, the deltas are the article', async () => {
    const ao = client(proxy.url);
    const { task_id } = await ao.submit({ task: WRITING_TASK });
    const path = `GET /v1/tasks/${task_id}/stream`;
    proxy.cutAfterBytes(path, CUT_AFTER_BYTES, 2);

    const events: TaskStreamEvent[] = [];
    for await (const e of ao.stream(task_id)) events.push(e);

    // Two cuts, three connections; each reconnect asked for the events after the last one received.
    expect(proxy.cuts).toHaveLength(2);
    expect(streamRequests).toHaveLength(3);
    expect(streamRequests[0]!.lastEventId).toBeUndefined();
    const resumedFrom = streamRequests.slice(1).map((r) => Number(r.lastEventId));
    expect(resumedFrom[0]).toBeGreaterThan(0);
    expect(resumedFrom[1]).toBeGreaterThan(resumedFrom[0]!);
    for (const id of resumedFrom) expect(events.map((e) => e.id)).toContain(id);

    // Nothing lost, nothing repeated: 1..N in order.
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.event !== 'delta').map((e) => e.event)).toEqual(LIFECYCLE);
    expect(joinedDeltas(events)).toBe(ARTICLE);
    const routed = events.find((e) => e.event === 'task.routed');
    expect(routed?.event === 'task.routed' && [routed.agent_name, routed.data['confidence']]).toEqual(['ContentAgent', 0.88]);

    // The end carries the task as GET /v1/tasks/{id} returns it; the first cut came while the agent was writing.
    const final = events.at(-1)!;
    expect(final.event).toBe('task.completed');
    const task = await ao.get(task_id);
    expect(final.event === 'task.completed' && final.task).toEqual(task);
    expect(task.result?.raw_output).toContain('Paragraph 40');
    expect(proxy.cuts[0]!).toBeLessThan(Date.parse(task.completed_at!));
    expect(resumedFrom[0]!).toBeLessThan(events.findIndex((e) => e.event === 'agent.finished') + 1);

    // A stream read after the end (straight from the api) is the same history; its raw body holds the document's contract.
    const again: TaskStreamEvent[] = [];
    for await (const e of client().stream(task_id)) again.push(e);
    expect(again).toEqual(events);
    const raw = await contract.fetch(`${base}/v1/tasks/${task_id}/stream`, { headers: { 'Last-Event-ID': String(resumedFrom[1]) } });
    expect((await raw.text()).match(/^id: \d+$/gm)?.[0]).toBe(`id: ${resumedFrom[1]! + 1}`);
    expect(await mongo.db(dbName).collection('task_stream_events').countDocuments({ task_id })).toBe(events.length);
  }, 60_000);

  it('waitForCompletion takes the stream path and returns the same task as get', async () => {
    const ao = client();
    const { task_id } = await ao.submit({ task: WRITING_TASK });
    const seen: TaskStreamEvent[] = [];
    const done = await ao.waitForCompletion(task_id, { timeoutMs: 60_000, pollIntervalMs: 50, onEvent: (e) => seen.push(e) });
    // One stream request and no polling GET /v1/tasks/{id} in between.
    expect(streamRequests.map((r) => new URL(r.url).pathname)).toEqual([`/v1/tasks/${task_id}/stream`]);
    expect(seen.map((e) => e.id)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.at(-1)!.event).toBe('task.completed');
    expect(joinedDeltas(seen)).toBe(ARTICLE);
    expect(done).toEqual(await ao.get(task_id));
    expect(done).toMatchObject({ task_id, status: 'completed', selected_agent: 'ContentAgent' });
  }, 60_000);

  it('runs the example: submits, prints events and deltas, and resumes with Last-Event-ID after leaving the stream', async () => {
    const example = join(root, 'libs', 'client', 'examples', 'stream-task.mjs');
    const run = (args: string[]) => promisify(execFile)(process.execPath, [example, ...args], { cwd: root, timeout: 60_000, env: { PATH: process.env['PATH'] ?? '', AO_BASE_URL: base } });

    const { stdout: ndjson } = await run(['--json', '--resume-after', '6', WRITING_TASK]);
    const printed = ndjson
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; event: string; data: unknown; task?: { status: string } });
    expect(printed.map((e) => e.id)).toEqual(printed.map((_, i) => i + 1));
    expect(printed.filter((e) => e.event !== 'delta').map((e) => e.event)).toEqual(LIFECYCLE);
    expect(joinedDeltas(printed)).toBe(ARTICLE);
    expect(printed.at(-1)!.task?.status).toBe('completed');

    const { stdout: text } = await run(['--resume-after', '6', WRITING_TASK]);
    expect(text).toMatch(/^submitted [0-9a-f-]{36} \(queued\)/);
    expect(text).toContain('-- connection closed after event 6; reconnecting with Last-Event-ID: 6 --');
    expect(text).toMatch(/\[3\] task\.routed ContentAgent \{.*"confidence":0\.88/);
    expect(text).toContain('Paragraph 1: RSA rests on the difficulty');
    expect(text).toMatch(/\[\d+\] task\.completed ContentAgent task: status=completed agent=ContentAgent tokens=\d+/);
  }, 90_000);
});
