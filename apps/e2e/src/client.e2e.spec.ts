// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global
// setup; the built api and worker (`nx test e2e` builds them first). Starts a local OpenAI stub.
// @agent-orchestrator/client against the real processes, every response held against the OpenAPI
// document they serve: submit, get, list, events, cancel, retry, waitForCompletion, a submit retried
// after a connection cut once the API had stored the task (one task, not two), and the client's
// generated types against the served document.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient, type Db } from 'mongodb';
import { AgentOrchestratorClient, ApiError, type TaskSummary } from '@agent-orchestrator/client';
import { startOpenAiStub, type OpenAiStub, type StubChatRequest, type StubReply } from '@agent-orchestrator/agents-core/testing';
import { testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { ApiContract } from './contract';
import { startDropProxy, type DropProxy } from './drop-proxy';
import { e2eEnv, freePort, startApp, waitFor, type AppProcess } from './processes';

const root = join(__dirname, '..', '..', '..');
const USAGE = { prompt_tokens: 100, completion_tokens: 20 };
const SLOW = 'SLOW: write a Python function that sleeps';
const FLAKY = 'FLAKY: write a Python function add(a, b)';

describe('@agent-orchestrator/client against the real api and worker', () => {
  let openai: OpenAiStub;
  let api: AppProcess;
  let worker: AppProcess;
  let base: string;
  let proxy: DropProxy;
  let mongo: MongoClient;
  let db: Db;
  let flakyFails = true;
  const dbName = testDatabaseName('ao_e2e_client');
  const contract = new ApiContract();
  const client = (baseUrl = base) =>
    new AgentOrchestratorClient({ baseUrl, fetch: (url, init) => contract.fetch(url, init), timeoutMs: 15_000, retry: { retries: 4, baseDelayMs: 100, maxDelayMs: 2000 } });

  function llm(req: StubChatRequest): StubReply {
    if (req.schemaName === 'route_decision') {
      if (req.lastUser.includes(FLAKY) && flakyFails) return { status: 500, message: 'the model is down' };
      // Long enough to cancel the task while it is processing.
      return { json: { agent_name: 'CodeAgent', confidence: 0.9, reasoning: 'Code.' }, usage: USAGE, ...(req.lastUser.includes(SLOW) ? { delayMs: 4000 } : {}) };
    }
    return { json: { language: 'python', mode: 'generate', summary: 'A function.', content: '```python\ndef f():\n    return 1\n```' }, usage: USAGE };
  }

  beforeAll(async () => {
    openai = await startOpenAiStub(llm);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // Default settings otherwise (no API_KEYS, default limits): the document a default deployment serves.
    const env = {
      ...e2eEnv({ dbName, redisUrl: testRedisUrl(7) }),
      PORT: String(port),
      API_RATE_LIMIT_PER_MINUTE: '0',
      OPENAI_API_KEY: 'sk-e2e-client-0123456789',
      OPENAI_BASE_URL: openai.url,
      LLM_MAX_RETRIES: '0',
      JOB_ATTEMPTS: '1',
    };
    api = startApp('api', env);
    worker = startApp('worker', env);
    await waitFor('api /readyz', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
    await waitFor('worker ready', async () => (worker.output().includes('worker ready') ? true : undefined));
    proxy = await startDropProxy({ host: '127.0.0.1', port });
    mongo = await MongoClient.connect(process.env['MONGO_URI']!);
    db = mongo.db(dbName);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([api?.stop(), worker?.stop(), proxy?.close()]);
    await db?.dropDatabase().catch(() => undefined);
    await mongo?.close();
    await openai?.close();
  });

  afterEach(() => contract.assertClean());
  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls !== state.numPassingAsserts) {
      process.stderr.write(`--- api output ---\n${api.output().slice(-3000)}\n--- worker output ---\n${worker.output().slice(-3000)}\n`);
    }
  });

  it('has generated types that match the document the API serves', async () => {
    const script = join(root, 'libs', 'client', 'scripts', 'generate-types.mjs');
    const { stderr } = await promisify(execFile)(process.execPath, [script, '--url', `${base}/v1/openapi.json`, '--check'], { cwd: root, timeout: 60_000 });
    expect(stderr).toContain('matches the document');
  });

  it('submits, waits (polling), gets, lists every page and reads the timeline', async () => {
    const ao = client();
    const first = await ao.submit({ task: 'Write a Python function that returns 1' }, { requestId: 'client-e2e-1' });
    expect(first).toMatchObject({ status: 'queued', replayed: false, idempotency_key: expect.any(String) });
    const more = await Promise.all([2, 3].map((n) => ao.submit({ task: `Write Python function number ${n}`, session_id: first.session_id })));

    const done = await ao.waitForCompletion(first.task_id, { stream: 'never', timeoutMs: 60_000, pollIntervalMs: 100 });
    expect(done).toMatchObject({ task_id: first.task_id, status: 'completed', selected_agent: 'CodeAgent', metadata: { request_id: 'client-e2e-1' } });
    expect(done.result?.raw_output).toContain('def f()');
    expect(await ao.get(first.task_id)).toEqual(done);
    for (const m of more) expect((await ao.waitForCompletion(m.task_id, { timeoutMs: 60_000, pollIntervalMs: 100 })).status).toBe('completed');

    const listed: TaskSummary[] = [];
    for await (const t of ao.list({ session_id: first.session_id, limit: 2 })) listed.push(t);
    expect(listed.map((t) => t.task_id).sort()).toEqual([first.task_id, ...more.map((m) => m.task_id)].sort());
    const page = await ao.listPage({ session_id: first.session_id, limit: 2 });
    expect([page.data.length, page.has_more]).toEqual([2, true]);

    const timeline = await ao.events(first.task_id);
    expect(timeline.task_id).toBe(first.task_id);
    expect(typeof timeline.logging_enabled).toBe('boolean');
  });

  it('cancels a running task, and says why a second cancel of a finished task fails', async () => {
    const ao = client();
    const { task_id } = await ao.submit({ task: SLOW });
    await waitFor('the task to be picked up', async () => ((await ao.get(task_id)).status === 'processing' ? true : undefined), 20_000, 100);
    const cancelling = await ao.cancel(task_id);
    expect(cancelling.cancel_requested_at).not.toBeNull();
    expect((await ao.waitForCompletion(task_id, { timeoutMs: 30_000, pollIntervalMs: 100 })).status).toBe('cancelled');
    const done = await ao.submit({ task: 'Write a Python function that returns 1' });
    await ao.waitForCompletion(done.task_id, { timeoutMs: 60_000, pollIntervalMs: 100 });
    const err = await ao.cancel(done.task_id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ type: 'CONFLICT', status: 409, requestId: expect.any(String) });
  });

  it('retries a task that failed for a transient cause', async () => {
    const ao = client();
    flakyFails = true;
    const { task_id } = await ao.submit({ task: FLAKY });
    const failed = await ao.waitForCompletion(task_id, { timeoutMs: 60_000, pollIntervalMs: 100 });
    expect(failed).toMatchObject({ status: 'failed', error: { type: 'LLM_ERROR' } });
    flakyFails = false;
    const retried = await ao.retry(task_id);
    expect(retried).toMatchObject({ task_id, status: 'queued', retries: [expect.objectContaining({ error: expect.objectContaining({ type: 'LLM_ERROR' }) })] });
    expect((await ao.waitForCompletion(task_id, { timeoutMs: 60_000, pollIntervalMs: 100 })).status).toBe('completed');
    await expect(ao.get('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ type: 'NOT_FOUND', status: 404 });
  });

  it('retries a submit whose connection was cut after the API stored the task: one task, not two', async () => {
    const ao = client(proxy.url);
    const text = `Write a Python function, submitted through a cut connection ${Date.now()}`;
    proxy.dropNext('POST /v1/agent/execute');
    const result = await ao.submit({ task: text });
    expect(proxy.dropped).toBe(1);
    expect(result).toMatchObject({ replayed: true, status: expect.any(String) });
    expect(await db.collection('tasks').countDocuments({ task: text })).toBe(1);
    expect((await ao.waitForCompletion(result.task_id, { timeoutMs: 60_000, pollIntervalMs: 100 })).status).toBe('completed');
  });
});
