// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup;
// the router's LLM is the local OpenAI stub. Real worker processes (src/testing/slow-worker.fixture.ts)
// are killed mid-task (SIGKILL) or stopped with a short grace (SIGTERM); a second worker must finish the
// task, once. Cancellation runs through an in-process worker.
import type { AgentDescriptor } from '@agent-orchestrator/agents-core';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { loadWorkerConfig } from '@agent-orchestrator/config';
import { createTaskQueue, publishTaskCancel, type TaskQueue } from '@agent-orchestrator/messaging';
import { createLogger } from '@agent-orchestrator/observability';
import { startWorker, type RunningWorker } from './worker';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

import { fixtureWorkerEnv, fixtureWorkers, submitTask, taskFinished, until } from '../testing/worker-processes';

jest.setTimeout(90_000);

const logger = createLogger({ service: 'test', level: 'error', silent: true });

describe('worker recovery (real worker processes, MongoDB, Redis)', () => {
  const dbName = testDatabaseName('ao_recovery');
  const redisUrl = testRedisUrl();
  let openai: OpenAiStub;
  let store: MongoStore;
  let queue: TaskQueue;

  const env = (extra: Record<string, string> = {}) => fixtureWorkerEnv({ dbName, redisUrl, openaiUrl: openai.url }, extra);
  const workers = fixtureWorkers(env);
  const spawnWorker = (extra: Record<string, string>) => workers.spawn(extra);
  const submit = () => submitTask(store, queue, 'Take your time with this one');

  /** The router has answered and the agent is running. */
  const agentRunning = (taskId: string) =>
    until('the agent to start', async () => (await store.repositories.tasks.findById(taskId))?.selected_agent === 'SlowAgent');
  const finished = (taskId: string) => taskFinished(store, taskId);

  beforeAll(async () => {
    openai = await startOpenAiStub((req) =>
      req.schemaName === 'route_decision'
        ? { json: { agent_name: 'SlowAgent', confidence: 0.95, reasoning: 'Everything goes to the slow agent here.' } }
        : { content: 'unused' },
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

  it('hands the task of a worker killed with SIGKILL to another worker, which completes it exactly once', async () => {
    const first = await spawnWorker({ SLOW_AGENT_MS: '60000' });
    const task = await submit();
    await agentRunning(task.task_id);
    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await store.repositories.tasks.findById(task.task_id))?.status).toBe('processing');

    const second = await spawnWorker({ SLOW_AGENT_MS: '200' });
    const done = await finished(task.task_id);
    // The router had answered (its decision is checkpointed): the second worker reuses it and runs the agent.
    expect(done).toMatchObject({ status: 'completed', attempts: 2, error: null, reused_steps: ['route'] });
    expect(done.result?.raw_output).toBe(`done by pid ${second.proc.pid}`);
    const runs = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(runs.map((r) => [r.kind, r.attempt, r.outcome])).toEqual([
      ['router', 1, 'success'],
      ['agent', 2, 'success'],
    ]);
    const messages = await store.repositories.messages.listByTask(task.task_id);
    expect(messages.filter((m) => m.role === 'assistant')).toHaveLength(1);
    second.proc.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('leaves the task of a worker stopped past its grace period to another worker, without failing it', async () => {
    const first = await spawnWorker({ SLOW_AGENT_MS: '60000', STOP_GRACE_MS: '300' });
    const task = await submit();
    await agentRunning(task.task_id);
    first.proc.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(await store.repositories.tasks.findById(task.task_id)).toMatchObject({ status: 'processing', error: null, completed_at: null });

    const second = await spawnWorker({ SLOW_AGENT_MS: '200' });
    const done = await finished(task.task_id);
    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    const agentRuns = (await store.repositories.agentRuns.listByTask(task.task_id)).filter((r) => r.kind === 'agent');
    expect(agentRuns.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'failure'],
      [2, 'success'],
    ]);
    expect(agentRuns[0]!.error?.message).toContain('shut down');
    second.proc.kill('SIGTERM');
    await second.exited;
  });

  describe('cancellation through a running worker', () => {
    let worker: RunningWorker | undefined;
    const signals: AbortSignal[] = [];
    const descriptor: AgentDescriptor = {
      name: 'SlowAgent',
      version: '1.0.0',
      agent_type: 'slow',
      description: 'Waits until it is aborted; a stand-in agent for cancellation tests.',
      create: () => ({
        name: 'SlowAgent',
        version: '1.0.0',
        run: (_input, ctx) =>
          new Promise((_resolve, reject) => {
            if (ctx?.signal) signals.push(ctx.signal);
            ctx?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
          }),
      }),
    };

    beforeAll(async () => {
      // A slow poll: the pub/sub notice must be what stops the task promptly.
      const config = loadWorkerConfig({ ...env(), CANCEL_POLL_INTERVAL_MS: '60000' });
      worker = await startWorker(config, logger, {}, async () => ({ agentDescriptor: descriptor }));
    });
    afterAll(async () => {
      await worker?.stop(1000);
    });

    it('aborts a running task at once when the API publishes its cancel: cancelled, no result', async () => {
      const task = await submit();
      await agentRunning(task.task_id);
      expect((await store.repositories.tasks.requestCancel(task.task_id, new Date()))?.change).toBe('requested');
      await publishTaskCancel(queue.client, task.task_id);
      const done = await finished(task.task_id);
      expect(done).toMatchObject({ status: 'cancelled', result: null, error: { type: 'CANCELLED' } });
      expect(signals[signals.length - 1]!.aborted).toBe(true);
      expect(await store.repositories.messages.listByTask(task.task_id)).toEqual([]);
    });

    it('never runs a task cancelled while queued, even if its job is still there', async () => {
      await worker?.stop(1000);
      worker = undefined;
      const task = await submit();
      expect((await store.repositories.tasks.requestCancel(task.task_id, new Date()))?.change).toBe('cancelled');
      const before = signals.length;
      worker = await startWorker(loadWorkerConfig(env()), logger, {}, async () => ({ agentDescriptor: descriptor }));
      await until('the job to be consumed', async () => (await (await queue.getJob(task.task_id))?.getState()) === 'completed');
      expect(signals.length).toBe(before);
      expect(await store.repositories.tasks.findById(task.task_id)).toMatchObject({ status: 'cancelled', attempts: 0, started_at: null });
    });
  });
});
