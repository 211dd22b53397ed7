// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global
// setup; the built api and worker (`nx test e2e` builds them first). Starts local OpenAI and
// Tavily stubs: the real SDKs talk to them over HTTP, nothing leaves the machine.
import { MongoClient, type Db } from 'mongodb';
import { startOpenAiStub, type OpenAiStub, type StubChatRequest, type StubReply } from '@agent-orchestrator/agents-core/testing';
import { startTavilyStub, type TavilyStub } from '@agent-orchestrator/agent-content/testing';
import { ApiContract } from './contract';
import { e2eEnv, freePort, startApp, stubProvidersEnv, waitFor, type AppProcess } from './processes';
import { sampleValue, samples } from './prometheus';
import { testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';

const CODE_TASK = 'Write a Python function is_prime(n) that checks whether a number is prime.';
const WRITING_TASK = 'Now write a short blog post about how prime numbers keep online banking safe.';
const UNROUTABLE_TASK = 'hey, how is your day going?';
const TESTS_TASK = 'Write pytest unit tests for this function: def add(a, b): return a + b';
const OPENAI_KEY = 'sk-e2e-0123456789abcdef';
const TAVILY_KEY = 'tvly-e2e-0123456789abcdef';

const ROUTER_USAGE = { prompt_tokens: 300, completion_tokens: 40 };
const CODE_USAGE = { prompt_tokens: 500, completion_tokens: 250 };
const WRITE_USAGE = { prompt_tokens: 900, completion_tokens: 600 };
const QUERY_USAGE = { prompt_tokens: 120, completion_tokens: 20 };

/** The scripted LLM: answers each kind of request the system makes, by schema and task text. */
function llm(req: StubChatRequest): StubReply {
  if (req.schemaName === 'route_decision' && req.lastUser.includes(TESTS_TASK)) {
    // Like a model would: the agent is chosen by the description the router sent ("- Name (kind of work: ...)\n    description").
    const byDescription = /- (\w+) \(kind of work: [^)]*\)\s+Writes unit tests/.exec(req.system);
    return { json: { agent_name: byDescription?.[1] ?? 'Unknown', confidence: 0.91, reasoning: 'The description that fits: writing unit tests.' }, usage: ROUTER_USAGE };
  }
  if (req.schemaName === 'test_answer') {
    return {
      json: { language: 'python', framework: 'pytest', content: '```python\nfrom add import add\n\ndef test_add():\n    assert add(2, 3) == 5\n```\nRun with `pytest`.', summary: 'Tests add() with pytest.' },
      usage: CODE_USAGE,
    };
  }
  if (req.schemaName === 'route_decision') {
    // The writing task's prompt also carries the earlier code task as session context: check it first.
    if (req.lastUser.includes(WRITING_TASK)) return { json: { agent_name: 'ContentAgent', confidence: 0.88, reasoning: 'A blog post is long-form writing.' }, usage: ROUTER_USAGE };
    if (req.lastUser.includes(CODE_TASK)) return { json: { agent_name: 'CodeAgent', confidence: 0.93, reasoning: 'The user asks for a Python function.' }, usage: ROUTER_USAGE };
    return { json: { agent_name: 'Unknown', confidence: 0.12, reasoning: 'Small talk with nothing to produce.' }, usage: ROUTER_USAGE };
  }
  if (req.schemaName === 'search_queries') return { json: { queries: ['prime numbers online banking encryption'] }, usage: QUERY_USAGE };
  if (req.schemaName) {
    // CodeAgent's structured answer
    return {
      json: {
        language: 'python',
        mode: 'generate',
        summary: 'A trial-division primality check.',
        content: '```python\ndef is_prime(n: int) -> bool:\n    if n < 2:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True\n```',
      },
      usage: CODE_USAGE,
    };
  }
  // ContentAgent's writing call: cite the first two numbered sources.
  return { content: 'Online banking relies on RSA, whose security rests on factoring large primes [1]. Modern TLS also uses prime-order groups [2].', usage: WRITE_USAGE };
}

interface Accepted {
  task_id: string;
  session_id: string;
  status: string;
  queued_at: string;
  message: string;
  api_version: string;
}

describe('task lifecycle end to end (api + worker processes, real MongoDB and Redis)', () => {
  let openai: OpenAiStub;
  let tavily: TavilyStub;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;
  let workerMetrics: string;
  let mongo: MongoClient;
  let db: Db;
  const dbName = testDatabaseName('ao_e2e');
  // Every API response is held against the OpenAPI document the API serves.
  const contract = new ApiContract();

  beforeAll(async () => {
    openai = await startOpenAiStub(llm);
    tavily = await startTavilyStub();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const metricsPort = await freePort();
    workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    const env = {
      ...e2eEnv({ dbName, redisUrl: testRedisUrl(3) }),
      PORT: String(port),
      LOG_LEVEL: 'debug',
      ...stubProvidersEnv({ openaiUrl: openai.url, tavilyUrl: tavily.url, openaiKey: OPENAI_KEY, tavilyKey: TAVILY_KEY }),
      LLM_CODE_MODEL: 'gpt-4o',
    };
    api = startApp('api', env);
    worker = startApp('worker', { ...env, WORKER_METRICS_PORT: String(metricsPort), WORKER_METRICS_HOST: '127.0.0.1' });
    await waitFor('api /readyz', async () => ((await contract.fetch(`${base}/readyz`)).status === 200 ? true : undefined));
    await waitFor('worker ready', async () => (worker.output().includes('worker ready') ? true : undefined));
    mongo = await MongoClient.connect(process.env['MONGO_URI']!);
    db = mongo.db(dbName);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([api?.stop(), worker?.stop()]);
    await db?.dropDatabase().catch(() => undefined);
    await mongo?.close();
    await Promise.allSettled([openai?.close(), tavily?.close()]);
  });

  afterEach(() => contract.assertClean());

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      process.stderr.write(`--- api output ---\n${api.output().slice(-4000)}\n--- worker output ---\n${worker.output().slice(-4000)}\n`);
    }
  });

  async function submit(task: string, extra: Record<string, unknown> = {}, requestId?: string): Promise<Accepted> {
    const res = await contract.fetch(`${base}/v1/agent/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'e2e-suite/1.0', ...(requestId ? { 'x-request-id': requestId } : {}) },
      body: JSON.stringify({ task, ...extra }),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as Accepted;
  }

  async function finished(taskId: string): Promise<Record<string, unknown>> {
    return waitFor(`task ${taskId} to finish`, async () => {
      const res = await contract.fetch(`${base}/v1/tasks/${taskId}`);
      const body = (await res.json()) as Record<string, unknown>;
      return body['status'] === 'completed' || body['status'] === 'failed' ? body : undefined;
    }, 60_000);
  }

  it('routes a code task, a writing task in the same session and an unroutable task, and stores everything', async () => {
    // --- accept ---------------------------------------------------------------------------
    const code = await submit(CODE_TASK, {}, 'e2e-req-code');
    expect(Object.keys(code).sort()).toEqual(['api_version', 'message', 'queued_at', 'session_id', 'status', 'task_id']);
    expect(code).toMatchObject({ status: 'queued', message: 'Task accepted and queued.', api_version: 'v1' });
    const codeDone = await finished(code.task_id);
    const writing = await submit(WRITING_TASK, { session_id: code.session_id });
    expect(writing.session_id).toBe(code.session_id);
    const other = await submit(UNROUTABLE_TASK);
    expect(other.session_id).not.toBe(code.session_id);
    const [writingDone, otherDone] = await Promise.all([finished(writing.task_id), finished(other.task_id)]);

    // --- API view ---------------------------------------------------------------------------
    expect(codeDone).toMatchObject({ status: 'completed', selected_agent: 'CodeAgent', api_version: 'v1' });
    expect(writingDone).toMatchObject({ status: 'completed', selected_agent: 'ContentAgent' });
    expect(otherDone).toMatchObject({ status: 'failed', error: { type: 'UNKNOWN_TASK_TYPE' } });
    expect(codeDone['_id']).toBeUndefined();

    // --- tasks collection, field by field --------------------------------------------------
    const tasks = db.collection('tasks');
    const codeDoc = (await tasks.findOne({ task_id: code.task_id }))!;
    expect(codeDoc).toMatchObject({
      task_id: code.task_id,
      session_id: code.session_id,
      task: CODE_TASK,
      status: 'completed',
      metadata: { ip: expect.stringMatching(/127\.0\.0\.1/), user_agent: 'e2e-suite/1.0', request_id: 'e2e-req-code', environment: 'e2e' },
      selected_agent: 'CodeAgent',
      agent_type: 'code',
      agent_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      peer_routing_reason: 'The user asks for a Python function.',
      confidence: 0.93,
      error: null,
      attempts: 1,
      cancel_requested_at: null,
    });
    expect(codeDoc['result']).toMatchObject({ code_language: 'python', citations: [], summary: 'A trial-division primality check.' });
    expect(codeDoc['result'].raw_output).toContain('def is_prime(n: int) -> bool:');
    for (const f of ['created_at', 'queued_at', 'started_at', 'completed_at', 'updated_at']) expect(codeDoc[f]).toBeInstanceOf(Date);
    expect(codeDoc['queued_at'].getTime()).toBeGreaterThanOrEqual(codeDoc['created_at'].getTime());
    expect(codeDoc['started_at'].getTime()).toBeGreaterThanOrEqual(codeDoc['queued_at'].getTime());
    expect(codeDoc['completed_at'].getTime()).toBeGreaterThanOrEqual(codeDoc['started_at'].getTime());
    // usage: router on gpt-4o-mini + CodeAgent on gpt-4o, exactly the stub's token counts, priced per model
    const mini = (u: { prompt_tokens: number; completion_tokens: number }) => (u.prompt_tokens * 0.15 + u.completion_tokens * 0.6) / 1e6;
    const big = (u: { prompt_tokens: number; completion_tokens: number }) => (u.prompt_tokens * 2.5 + u.completion_tokens * 10) / 1e6;
    expect(codeDoc['usage']).toMatchObject({
      prompt_tokens: ROUTER_USAGE.prompt_tokens + CODE_USAGE.prompt_tokens,
      completion_tokens: ROUTER_USAGE.completion_tokens + CODE_USAGE.completion_tokens,
      total_tokens: 300 + 40 + 500 + 250,
    });
    expect(codeDoc['usage'].cost_usd).toBeCloseTo(mini(ROUTER_USAGE) + big(CODE_USAGE), 8);
    expect(codeDoc['usage'].by_model.map((m: { model: string; total_tokens: number }) => [m.model, m.total_tokens]).sort()).toEqual([
      ['gpt-4o', 750],
      ['gpt-4o-mini', 340],
    ]);

    const writingDoc = (await tasks.findOne({ task_id: writing.task_id }))!;
    expect(writingDoc).toMatchObject({ status: 'completed', selected_agent: 'ContentAgent', agent_type: 'content', confidence: 0.88, session_id: code.session_id });
    expect(writingDoc['result'].raw_output).toContain('[1]');
    expect(writingDoc['result'].citations.length).toBe(2);
    for (const c of writingDoc['result'].citations) expect(c).toEqual({ source: 'tavily', title: expect.any(String), url: expect.stringMatching(/^https?:\/\//) });
    expect(writingDoc['result'].code_language ?? null).toBeNull();
    expect(writingDoc['usage'].total_tokens).toBe(340 + 140 + 1500);

    const otherDoc = (await tasks.findOne({ task_id: other.task_id }))!;
    expect(otherDoc).toMatchObject({ status: 'failed', selected_agent: null, result: null, confidence: 0.12, error: { type: 'UNKNOWN_TASK_TYPE' } });
    expect(otherDoc['error'].message).toContain('Small talk with nothing to produce.');
    expect(otherDoc['completed_at']).toBeInstanceOf(Date);
    expect(otherDoc['usage'].total_tokens).toBe(340);

    // --- agent_runs ----------------------------------------------------------------------------
    const runs = db.collection('agent_runs');
    const codeRuns = await runs.find({ task_id: code.task_id }).sort({ started_at: 1 }).toArray();
    expect(codeRuns.map((r) => [r['kind'], r['agent_name'], r['outcome'], r['model']])).toEqual([
      ['router', 'PeerAgent', 'success', 'gpt-4o-mini'],
      ['agent', 'CodeAgent', 'success', 'gpt-4o'],
    ]);
    const codeRun = codeRuns[1]!;
    expect(codeRun).toMatchObject({ agent_version: codeDoc['agent_version'], attempt: 1, input: CODE_TASK, prompt_tokens: 500, completion_tokens: 250, total_tokens: 750, error: null });
    expect(codeRun['output']).toContain('def is_prime');
    expect(codeRun['cost_usd']).toBeCloseTo(big(CODE_USAGE), 8);
    expect(codeRun['duration_ms']).toBeGreaterThanOrEqual(0);
    expect(codeRun['finished_at'].getTime()).toBeGreaterThanOrEqual(codeRun['started_at'].getTime());
    expect(JSON.parse(codeRuns[0]!['output'])).toMatchObject({ status: 'routed', agent_name: 'CodeAgent', confidence: 0.93 });
    expect(codeRuns[0]!['input']).toContain('CodeAgent'); // the router prompt lists the agents
    expect(codeRuns[0]!['agent_version']).toMatch(/^\d+\.\d+\.\d+/);

    const writingRuns = await runs.find({ task_id: writing.task_id }).sort({ started_at: 1 }).toArray();
    expect(writingRuns.map((r) => [r['kind'], r['agent_name'], r['outcome']])).toEqual([
      ['router', 'PeerAgent', 'success'],
      ['agent', 'ContentAgent', 'success'],
    ]);
    const otherRuns = await runs.find({ task_id: other.task_id }).toArray();
    expect(otherRuns.map((r) => [r['kind'], r['outcome']])).toEqual([['router', 'success']]);

    // --- messages: the session reads as a conversation ------------------------------------------
    const sessionMessages = await db.collection('messages').find({ session_id: code.session_id }).sort({ created_at: 1 }).toArray();
    expect(sessionMessages.map((m) => [m['role'], m['agent_name'] ?? null, m['task_id']])).toEqual([
      ['user', null, code.task_id],
      ['assistant', 'CodeAgent', code.task_id],
      ['user', null, writing.task_id],
      ['assistant', 'ContentAgent', writing.task_id],
    ]);
    expect(sessionMessages[0]!['content']).toBe(CODE_TASK);
    expect(sessionMessages[3]!['content']).toBe(writingDoc['result'].raw_output);
    const otherMessages = await db.collection('messages').find({ task_id: other.task_id }).toArray();
    expect(otherMessages.map((m) => m['role'])).toEqual(['user']);
    expect(await db.collection('sessions').countDocuments({ session_id: code.session_id })).toBe(1);

    // --- what crossed the wire -------------------------------------------------------------------
    const routerCallForWriting = openai.requests.find((r) => r.schemaName === 'route_decision' && r.lastUser.includes(WRITING_TASK))!;
    expect(routerCallForWriting.lastUser).toContain(CODE_TASK); // the earlier task of the session is context
    expect(routerCallForWriting.system).toContain('ContentAgent');
    expect(openai.requests.every((r) => r.headers['authorization'] === `Bearer ${OPENAI_KEY}`)).toBe(true);
    expect(tavily.requests.map((r) => r.query)).toEqual(['prime numbers online banking encryption']);

    // --- logs: structured, correlated, and without secrets --------------------------------------
    const logs = `${api.output()}\n${worker.output()}`;
    expect(logs).not.toContain(OPENAI_KEY);
    expect(logs).not.toContain(TAVILY_KEY);
    const workerLines = worker
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const completedLine = workerLines.find((l) => l['message'] === 'task completed' && l['task_id'] === code.task_id);
    expect(completedLine).toMatchObject({ request_id: 'e2e-req-code', session_id: code.session_id, agent_name: 'CodeAgent', level: 'info', service: 'worker' });
    // the fields the CloudWatch metric filters read (docs/operational-runbook.md, infra/)
    expect(completedLine!['duration_ms']).toEqual(expect.any(Number));
    expect(completedLine!['latency_ms']).toBeGreaterThanOrEqual(completedLine!['duration_ms'] as number);
    expect(workerLines.find((l) => l['message'] === 'task failed' && l['task_id'] === other.task_id)).toMatchObject({ error_type: 'UNKNOWN_TASK_TYPE', duration_ms: expect.any(Number) });

    // --- Prometheus metrics of both processes, after the run (docs/observability.md) ---------------
    const apiScrape = await contract.fetch(`${base}/metrics`);
    expect(apiScrape.status).toBe(200);
    expect(apiScrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const apiText = await apiScrape.text();
    expect(sampleValue(apiText, 'http_requests_total', { service: 'api', method: 'POST', route: '/v1/agent/execute', status_code: '202' })).toBe(3);
    expect(sampleValue(apiText, 'http_requests_total', { method: 'GET', route: '/v1/tasks/:task_id', status_code: '200' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(apiText, 'http_request_duration_seconds_count', { method: 'GET', route: '/v1/tasks/:task_id', status_code: '200' })).toBeGreaterThanOrEqual(3);
    for (const id of [code.task_id, writing.task_id, other.task_id]) expect(apiText).not.toContain(id);
    // every route label is a template the API registers (or "(unmatched)"), never a raw path
    const routes = new Set(samples(apiText, 'http_requests_total').map((s) => s.labels['route']));
    for (const route of routes) expect(['/v1/agent/execute', '/v1/tasks/:task_id', '/readyz', '/v1/openapi.json', '(unmatched)']).toContain(route);
    expect(samples(apiText, 'process_cpu_user_seconds_total', { service: 'api' })).toHaveLength(1);
    expect(samples(apiText, 'nodejs_heap_size_used_bytes', { service: 'api' })).toHaveLength(1);

    const workerScrape = await fetch(workerMetrics);
    expect(workerScrape.status).toBe(200);
    const w = await workerScrape.text();
    expect(sampleValue(w, 'tasks_finished_total', { service: 'worker', outcome: 'completed', agent: 'CodeAgent' })).toBe(1);
    expect(sampleValue(w, 'tasks_finished_total', { outcome: 'completed', agent: 'ContentAgent' })).toBe(1);
    expect(sampleValue(w, 'tasks_finished_total', { outcome: 'failed', agent: 'none' })).toBe(1);
    expect(sampleValue(w, 'task_errors_total', { error_type: 'UNKNOWN_TASK_TYPE' })).toBe(1);
    expect(sampleValue(w, 'task_queue_wait_seconds_count')).toBe(3);
    expect(sampleValue(w, 'task_processing_seconds_count', { outcome: 'completed', agent: 'CodeAgent' })).toBe(1);
    // LLM: the router's three calls, and each agent's, with exactly the stub's token counts
    expect(sampleValue(w, 'llm_calls_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', outcome: 'success' })).toBe(3);
    expect(sampleValue(w, 'llm_tokens_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', kind: 'prompt' })).toBe(3 * ROUTER_USAGE.prompt_tokens);
    expect(sampleValue(w, 'llm_tokens_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', kind: 'completion' })).toBe(3 * ROUTER_USAGE.completion_tokens);
    expect(sampleValue(w, 'llm_tokens_total', { model: 'gpt-4o', agent: 'CodeAgent', kind: 'prompt' })).toBe(CODE_USAGE.prompt_tokens);
    expect(sampleValue(w, 'llm_tokens_total', { model: 'gpt-4o-mini', agent: 'ContentAgent', kind: 'completion' })).toBe(QUERY_USAGE.completion_tokens + WRITE_USAGE.completion_tokens);
    expect(sampleValue(w, 'llm_cost_usd_total', { model: 'gpt-4o', agent: 'CodeAgent' })).toBeCloseTo(big(CODE_USAGE), 10);
    expect(sampleValue(w, 'llm_call_duration_seconds_count', { model: 'gpt-4o', agent: 'CodeAgent' })).toBe(1);
    expect(sampleValue(w, 'web_search_calls_total', { agent: 'ContentAgent', outcome: 'success' })).toBe(1);
    expect(sampleValue(w, 'web_search_calls_total', { agent: 'ContentAgent', outcome: 'failure' })).toBeUndefined();
    // queue and process
    expect(sampleValue(w, 'worker_jobs_in_flight')).toBe(0);
    expect(sampleValue(w, 'queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sampleValue(w, 'queue_jobs', { state: 'completed' })).toBeGreaterThanOrEqual(3);
    expect(samples(w, 'process_resident_memory_bytes', { service: 'worker' })).toHaveLength(1);
    expect(worker.output()).toContain('"message":"metrics listening"');
  });

  it('routes a test-writing task to TestAgent by the description the router sent', async () => {
    const accepted = await submit(TESTS_TASK);
    const done = await finished(accepted.task_id);
    expect(done).toMatchObject({ status: 'completed', selected_agent: 'TestAgent' });
    const doc = (await db.collection('tasks').findOne({ task_id: accepted.task_id }))!;
    expect(doc).toMatchObject({ selected_agent: 'TestAgent', agent_type: 'test', confidence: 0.91, agent_version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(doc['result']).toMatchObject({ code_language: 'python', citations: [] });
    expect(doc['result'].raw_output).toContain('def test_add');
    const routed = openai.requests.find((r) => r.schemaName === 'route_decision' && r.lastUser.includes(TESTS_TASK))!;
    expect(routed.system).toMatch(/- TestAgent \(kind of work: test\)\s+Writes unit tests/);
    const runs = await db.collection('agent_runs').find({ task_id: accepted.task_id }).sort({ started_at: 1 }).toArray();
    expect(runs.map((r) => [r['kind'], r['agent_name'], r['outcome']])).toEqual([
      ['router', 'PeerAgent', 'success'],
      ['agent', 'TestAgent', 'success'],
    ]);
  });
});
