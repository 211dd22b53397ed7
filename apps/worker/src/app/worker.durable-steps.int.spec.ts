// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup,
// and the local OpenAI stub (in-process) that counts every LLM call. Real worker processes
// (src/testing/slow-worker.fixture.ts running the real CodeAgent) are SIGKILLed after the agent step
// finished and before the task completed; a second worker must complete it without a new LLM call.
import { randomUUID } from 'node:crypto';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { createTaskQueue, type TaskQueue } from '@agent-orchestrator/messaging';

import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { fixtureWorkerEnv, fixtureWorkers, submitTask, taskFinished, until } from '../testing/worker-processes';

jest.setTimeout(120_000);

describe('durable steps (real worker processes, MongoDB, Redis, OpenAI stub)', () => {
  const dbName = testDatabaseName('ao_durable');
  const redisUrl = testRedisUrl();
  let openai: OpenAiStub;
  let store: MongoStore;
  let queue: TaskQueue;

  // The real CodeAgent, and no LLM retries: every call the stub serves is one the worker asked for once.
  const workers = fixtureWorkers((extra) =>
    fixtureWorkerEnv({ dbName, redisUrl, openaiUrl: openai.url }, { FIXTURE_AGENT: 'code', LLM_MAX_RETRIES: '0', ...extra }),
  );
  const spawnWorker = (extra: Record<string, string> = {}) => workers.spawn(extra);
  const submit = (text: string) => submitTask(store, queue, text);
  const finished = (taskId: string) => taskFinished(store, taskId);

  /** The stub's calls whose prompt carries `text` (the router's prompt and the agent's both quote the task). */
  const callsFor = (text: string) => openai.requests.filter((r) => r.messages.some((m) => JSON.stringify(m.content).includes(text)));

  beforeAll(async () => {
    openai = await startOpenAiStub((req) =>
      req.schemaName === 'route_decision'
        ? { json: { agent_name: 'CodeAgent', confidence: 0.95, reasoning: 'It asks for code.' }, usage: { prompt_tokens: 200, completion_tokens: 20 } }
        : {
            json: { language: 'python', mode: 'generate', summary: 'Prints 42.', content: '```python\nprint(42)\n```' },
            usage: { prompt_tokens: 300, completion_tokens: 60 },
          },
    );
    store = await connectMongo({ uri: process.env['MONGO_URI']!, dbName });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl);
    await queue.isReady();
    await queue.obliterate({ force: true });
  });

  afterAll(async () => {
    await workers.killAll();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await store.close();
    await dropTestDatabase(dbName);
    await openai.close();
  });

  it('a worker SIGKILLed after the agent step finished: the next worker completes the task with zero new LLM calls', async () => {
    const first = await spawnWorker({ HANG_AFTER_EVENT: 'agent.finished' });
    const text = `Write a python function that returns 42 (durable ${randomUUID()})`;
    const task = await submit(text);

    // The first worker stops right after agent.finished: the agent's output is checkpointed, the result not written.
    await until(`the first worker to stop after the agent step (output: ${first.output()})`, async () =>
      first.output().includes(`HANGING agent.finished ${task.task_id}`),
    );
    const before = (await store.repositories.tasks.findById(task.task_id))!;
    expect(before).toMatchObject({ status: 'processing', result: null, attempts: 1, reused_steps: [] });
    expect(before.checkpoints.route?.decision).toMatchObject({ status: 'routed', agent_name: 'CodeAgent' });
    expect(before.checkpoints.agent).toMatchObject({ agent_name: 'CodeAgent', output: { content: '```python\nprint(42)\n```' } });
    const paid = callsFor(text).map((r) => r.schemaName);
    expect(paid).toEqual(['route_decision', expect.any(String)]);
    const callsAtKill = openai.requests.length;

    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const second = await spawnWorker();
    const done = await finished(task.task_id);
    process.stdout.write(
      `durable steps proof: LLM calls before the kill ${callsAtKill}, after ${openai.requests.length}; task ${done.status}, attempts ${done.attempts}, reused_steps ${JSON.stringify(done.reused_steps)}\n`,
    );

    // Zero new LLM calls after the kill: the second worker took both steps from their checkpoints.
    expect(openai.requests.length).toBe(callsAtKill);
    expect(callsFor(text)).toHaveLength(2);
    expect(done).toMatchObject({
      status: 'completed',
      attempts: 2,
      error: null,
      reused_steps: ['route', 'agent'],
      selected_agent: 'CodeAgent',
      result: { raw_output: '```python\nprint(42)\n```', code_language: 'python', summary: 'Prints 42.' },
    });
    // Each paid call counted once: the task's usage is the two runs of the first attempt, and no run was added.
    const runs = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(runs.map((r) => [r.kind, r.attempt, r.outcome])).toEqual([
      ['router', 1, 'success'],
      ['agent', 1, 'success'],
    ]);
    expect(done.usage.total_tokens).toBe(runs.reduce((n, r) => n + r.total_tokens, 0));
    expect(done.usage.total_tokens).toBe(580);
    // Completed once: one reply message.
    const messages = await store.repositories.messages.listByTask(task.task_id);
    expect(messages.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual(['```python\nprint(42)\n```']);

    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
