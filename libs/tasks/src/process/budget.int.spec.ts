// needs: a MongoDB-compatible server (MONGO_URI), started by the Jest global setup.
// Task budgets end to end in the pipeline: router and agent LLM calls are metered (scripted LLM, real MongoDB).
import { randomUUID } from 'node:crypto';
import { AgentRegistry, historyMessages, invokeText, type AgentDescriptor } from '@agent-orchestrator/agents-core';
import { scriptedLlmProvider } from '@agent-orchestrator/agents-core/testing';
import { newTask, type TaskBudget, type TaskEvent } from '@agent-orchestrator/domain';
import type { MongoStore } from '@agent-orchestrator/persistence';
import { useTestDatabase } from '@agent-orchestrator/persistence/testing';
import { PeerAgent } from '@agent-orchestrator/router';
import { ProcessTask } from './process-task';
import type { TaskEvents } from '../ports/task-events.port';
import { RecordingTaskEvents, recordingLogger } from '../testing';

const { logger } = recordingLogger();

/** TaskEvents that keep every event in `seen` too. */
function eventsInto(seen: TaskEvent[]): TaskEvents {
  const recording = new RecordingTaskEvents();
  return {
    emit: (...args) => {
      const event = recording.emit(...args);
      seen.push(event);
      return event;
    },
  };
}

const ROUTE = JSON.stringify({ agent_name: 'WriterAgent', confidence: 0.9, reasoning: 'It asks for writing.' });
/** ~250 tokens at four characters a token, as the scripted model counts. */
const LONG_ANSWER = 'word '.repeat(200);

/** An agent that makes one real (scripted) LLM call through agents-core, as the real agents do, on `model`. */
const writerOn = (model: string): AgentDescriptor => ({
  name: 'WriterAgent',
  version: '1.0.0',
  agent_type: 'content',
  description: 'Writes short texts; a stand-in agent making one LLM call through agents-core.',
  create: ({ llm }) => ({
    name: 'WriterAgent',
    version: '1.0.0',
    run: async (input, ctx) => {
      const out = await invokeText(llm.chatModel({ model }), historyMessages([{ role: 'user', content: input.task }]), {
        prices: llm.prices,
        signal: ctx?.signal,
      });
      return { output: { agent_name: 'WriterAgent', content: out.value, citations: [] }, usage: [out.usage], model: out.model };
    },
  }),
});

describe('task budgets (real MongoDB)', () => {
  let store: MongoStore;
  const db = useTestDatabase('ao_tasks_process');

  beforeAll(() => {
    store = db.store;
  });

  async function run(budget: TaskBudget | null, agentModel = 'gpt-4o-mini') {
    // The router's prompt ends with the task; the agent's message is the task alone.
    const llm = scriptedLlmProvider((messages) => (messages.length > 1 ? ROUTE : LONG_ANSWER));
    const registry = new AgentRegistry();
    registry.register(writerOn(agentModel), { llm, settings: {}, logger });
    const router = new PeerAgent({ llm, model: 'gpt-4o-mini', agents: registry.list(), minConfidence: 0.5 });
    const seen: TaskEvent[] = [];
    const events = eventsInto(seen);
    const processor = new ProcessTask({
      repositories: store.repositories,
      registry,
      router,
      llmConfigured: true,
      logger,
      events,
      taskTimeoutMs: 5000,
      historyLimit: 0,
    });
    const task = newTask({
      task_id: randomUUID(),
      session_id: randomUUID(),
      task: 'Write a short text about rivers',
      metadata: { ip: null, user_agent: null, request_id: 'req-b', environment: 'test' },
      now: new Date(),
      budget,
    });
    await store.repositories.tasks.create(task);
    const outcome = await processor.run(task.task_id, 1);
    return {
      outcome,
      task: (await store.repositories.tasks.findById(task.task_id))!,
      runs: await store.repositories.agentRuns.listByTask(task.task_id),
      seen,
      llm,
    };
  }

  it('without a budget nothing changes: the task completes and stores its cost', async () => {
    const { outcome, task, runs } = await run(null);
    expect(outcome).toBe('completed');
    expect(task.budget).toBeNull();
    expect(task.usage.total_tokens).toBeGreaterThan(250);
    expect(task.usage.cost_usd).toBeGreaterThan(0);
    expect(runs.map((r) => [r.kind, r.outcome, (r.cost_usd ?? 0) > 0])).toEqual([
      ['router', 'success', true],
      ['agent', 'success', true],
    ]);
    expect(task.usage.cost_usd).toBeCloseTo(runs[0]!.cost_usd! + runs[1]!.cost_usd!, 10);
  });

  it('records an unknown cost (null), not $0, for an agent on a model without a price: its run, the task and the day', async () => {
    const { outcome, task, runs, seen } = await run(null, 'llama3.1:8b');
    expect(outcome).toBe('completed');
    expect(runs.map((r) => [r.kind, r.model, r.cost_usd === null])).toEqual([
      ['router', 'gpt-4o-mini', false],
      ['agent', 'llama3.1:8b', true],
    ]);
    expect(runs[1]!.usage).toEqual([expect.objectContaining({ model: 'llama3.1:8b', cost_usd: null })]);
    expect(runs[1]!.total_tokens).toBeGreaterThan(250);
    expect(task.usage.cost_usd).toBeNull();
    expect(task.usage.total_tokens).toBe(runs[0]!.total_tokens + runs[1]!.total_tokens);
    expect(task.usage.by_model).toEqual([
      expect.objectContaining({ model: 'gpt-4o-mini', cost_usd: runs[0]!.cost_usd }),
      expect.objectContaining({ model: 'llama3.1:8b', cost_usd: null }),
    ]);
    expect(seen.find((e) => e.event === 'task.completed')?.data).toMatchObject({ cost_usd: null, total_tokens: task.usage.total_tokens });
    const today = await store.repositories.agentRuns.usageDayStats(new Date());
    expect(today.cost_usd).toBeNull();
    expect(today.by_model.find((m) => m.model === 'llama3.1:8b')?.cost_usd).toBeNull();
    expect(today.by_model.find((m) => m.model === 'gpt-4o-mini')?.cost_usd).toBeGreaterThan(0);
  });

  it('fails with BUDGET_EXCEEDED when the router call alone goes over, keeping what it spent', async () => {
    const { outcome, task, runs, seen } = await run({ max_tokens: 20, max_cost_usd: null });
    expect(outcome).toBe('failed');
    expect(task.error?.type).toBe('BUDGET_EXCEEDED');
    expect(task.budget).toEqual({ max_tokens: 20, max_cost_usd: null });
    expect(task.usage.total_tokens).toBeGreaterThan(20);
    expect(runs.map((r) => [r.kind, r.outcome, r.error?.type])).toEqual([['router', 'failure', 'BUDGET_EXCEEDED']]);
    expect(runs[0]!.total_tokens).toBe(task.usage.total_tokens);
    expect(seen.find((e) => e.event === 'task.failed')?.data).toMatchObject({ error_type: 'BUDGET_EXCEEDED', total_tokens: task.usage.total_tokens });
  });

  it('fails with BUDGET_EXCEEDED when the agent call goes over, with router and agent usage recorded', async () => {
    const routed = await run(null);
    const routerTokens = routed.runs[0]!.total_tokens;
    const { outcome, task, runs } = await run({ max_tokens: routerTokens + 50, max_cost_usd: null });
    expect(outcome).toBe('failed');
    expect(task.error?.type).toBe('BUDGET_EXCEEDED');
    expect(runs.map((r) => [r.kind, r.outcome])).toEqual([
      ['router', 'success'],
      ['agent', 'failure'],
    ]);
    expect(runs[1]!.total_tokens).toBeGreaterThan(50);
    expect(task.usage.total_tokens).toBe(runs[0]!.total_tokens + runs[1]!.total_tokens);
  });

  it('fails on a cost budget too', async () => {
    const { task } = await run({ max_tokens: null, max_cost_usd: 0.0000001 });
    expect(task.error).toMatchObject({ type: 'BUDGET_EXCEEDED', message: expect.stringContaining('over its budget of $') });
  });
});
