// needs: a MongoDB-compatible server (MONGO_URI), started by the Jest global setup (FerretDB by default).
// Runs tasks through the real pipeline (TaskLifecycle, ProcessTask with a scripted LLM) on a real database
// and checks the running counters against the aggregations GET /v1/system/metrics used to run (which
// stay as the rebuild path).
import { randomUUID } from 'node:crypto';
import { AgentRegistry, type AgentDescriptor, type AgentRunResult } from '@agent-orchestrator/agents-core';
import { scriptedLlmProvider } from '@agent-orchestrator/agents-core/testing';
import { LlmError, RETRYABLE_TASK_ERROR_TYPES, newTask, type Task } from '@agent-orchestrator/domain';
import { LATENCY_P95_MAX_RELATIVE_ERROR, type MongoStore } from '@agent-orchestrator/persistence';
import { useTestDatabase } from '@agent-orchestrator/persistence/testing';
import { PeerAgent } from '@agent-orchestrator/router';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import { ProcessTask } from '../process/process-task';
import { RecordingTaskEvents, recordingLogger } from '../testing';
import { TaskCounting } from './task-counting';

const { logger } = recordingLogger();

function testAgent(name: string, agent_type: string, run: (task: string) => Promise<AgentRunResult>): AgentDescriptor {
  return {
    name,
    version: '1.0.0',
    agent_type,
    description: `${name} handles ${agent_type} tasks in tests; it is a stand-in for a real agent package.`,
    create: () => ({ name, version: '1.0.0', run: (input) => run(input.task) }),
  };
}

const ok = (name: string, model: string): AgentRunResult => ({
  output: { agent_name: name, content: 'done', citations: [] },
  usage: [{ model, prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, cost_usd: 0.000045 }],
  model,
});

describe('running counters through the lifecycle (real MongoDB-compatible server)', () => {
  const db = useTestDatabase('ao_tasks_counters');
  let store: MongoStore;

  beforeAll(() => {
    store = db.store;
  });

  it('count what the aggregations over tasks and agent_runs give, and a rebuild gives the same', async () => {
    // With a write window, as the apps run it (COUNTERS_WRITE_WINDOW_MS): the moves of several tasks share writes.
    const counting = new TaskCounting({ counters: store.repositories.taskCounters, logger, windowMs: 20 });
    const lifecycle = new TaskLifecycle({ tasks: store.repositories.tasks, events: new RecordingTaskEvents(), counting });
    let contentCalls = 0;
    const llm = scriptedLlmProvider((messages) => {
      const text = String(messages[messages.length - 1]?.content ?? '');
      const agent = /code/.test(text) ? 'CodeAgent' : 'ContentAgent';
      return JSON.stringify({ agent_name: agent, confidence: 0.9, reasoning: 'test' });
    });
    const registry = new AgentRegistry();
    registry.register(
      testAgent('CodeAgent', 'code', async () => ok('CodeAgent', 'gpt-4o')),
      { llm, settings: {}, logger },
    );
    // The first essay fails with a transient LLM error; a client's retry then succeeds.
    registry.register(
      testAgent('ContentAgent', 'content', async () => (++contentCalls === 1 ? Promise.reject(new LlmError('hiccup')) : ok('ContentAgent', 'gpt-4o-mini'))),
      { llm, settings: {}, logger },
    );
    const router = new PeerAgent({ llm, model: 'gpt-4o-mini', agents: registry.list(), minConfidence: 0.5 });
    const processor = new ProcessTask({
      repositories: store.repositories,
      registry,
      router,
      llmConfigured: true,
      logger,
      events: new RecordingTaskEvents(),
      taskTimeoutMs: 5000,
      historyLimit: 5,
      counting,
    });

    async function accept(text: string): Promise<Task> {
      const task = newTask({
        task_id: randomUUID(),
        session_id: randomUUID(),
        task: text,
        metadata: { ip: null, user_agent: 'jest', request_id: 'r', environment: 'test' },
        now: new Date(),
      });
      await store.repositories.tasks.create(task);
      lifecycle.accepted(task, {});
      return task;
    }

    const code = [await accept('write code 1'), await accept('write code 2'), await accept('write code 3')];
    const essay = await accept('an essay about rivers');
    const cancelled = await accept('an essay to cancel');
    const failedQueued = await accept('an essay that times out in the queue');
    await accept('an essay still queued');

    for (const t of code) await expect(processor.run(t.task_id, 1)).resolves.toBe('completed');
    await expect(processor.run(essay.task_id, 1)).resolves.toBe('failed');
    await expect(lifecycle.retry(essay.task_id, RETRYABLE_TASK_ERROR_TYPES, {})).resolves.toMatchObject({ status: 'queued' });
    await expect(processor.run(essay.task_id, 1)).resolves.toBe('completed');
    await expect(processor.run(essay.task_id, 2)).resolves.toBe('skipped'); // a duplicate delivery counts nothing
    await lifecycle.requestCancel(cancelled.task_id, {});
    await lifecycle.fail(failedQueued, { error: { type: 'TIMEOUT', message: 'deadline' } }, {});
    await counting.settled();

    const now = new Date();
    const [read, tasks, usage] = await Promise.all([
      store.repositories.taskCounters.day(now),
      store.repositories.tasks.dayStats(now),
      store.repositories.agentRuns.usageDayStats(now),
    ]);
    expect(read.tasks.created_by_status).toEqual({ queued: 1, processing: 0, completed: 4, failed: 1, cancelled: 1 });
    expect(read.tasks.created_by_status).toEqual(tasks.created_by_status);
    expect(read.tasks.created_by_agent).toEqual(tasks.created_by_agent);
    expect(read.tasks.latency_ms.count).toBe(tasks.latency_ms.count);
    expect(read.tasks.latency_ms.count).toBe(5); // 4 completed + the failure from the queue; the retried failure was taken back
    expect(read.tasks.latency_ms.sum).toBe(tasks.latency_ms.sum);
    const p95 = tasks.latency_ms.p95!;
    expect(Math.abs(read.tasks.latency_ms.p95! - p95)).toBeLessThanOrEqual(Math.max(5, p95 * LATENCY_P95_MAX_RELATIVE_ERROR + 0.05));
    expect(read.usage).toEqual(usage);
    expect(read.usage.by_agent.map((a) => a.agent_name).sort()).toEqual(['CodeAgent', 'ContentAgent', 'PeerAgent']);

    // The repair path recomputes the same day from the stored tasks and runs.
    await expect(store.repositories.taskCounters.rebuildDay(now)).resolves.toEqual(read);
    await expect(store.repositories.taskCounters.day(now)).resolves.toEqual(read);
  });
});
