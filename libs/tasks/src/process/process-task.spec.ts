import { randomUUID } from 'node:crypto';
import { AgentRegistry, type AgentDescriptor, type AgentRunResult } from '@agent-orchestrator/agents-core';
import { LlmError, newTask, type Task } from '@agent-orchestrator/domain';
import type { RouteInput, RoutingResult } from '@agent-orchestrator/router';
import { CancelWatcher } from '../cancel/cancel-watcher';
import { InMemoryCancelChannel, RecordingTaskEvents, recordingLogger } from '../testing';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { ProcessTask, type ProcessTaskDeps, type TaskRouter } from './process-task';
import { TaskAbandonedError } from './run-control';

const usage = [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.00001 }];

function router(answer: (input: RouteInput) => Partial<RoutingResult['decision']> = () => ({})): TaskRouter & { inputs: RouteInput[] } {
  const inputs: RouteInput[] = [];
  return {
    name: 'PeerAgent',
    version: '1.0.0',
    inputs,
    route: async (input) => {
      inputs.push(input);
      return { decision: { status: 'routed', agent_name: 'CodeAgent', confidence: 0.9, reasoning: 'It asks for code.', ...answer(input) } as RoutingResult['decision'], usage, model: 'gpt-4o-mini', prompt: 'prompt' };
    },
  };
}

function codeAgent(run: (signal?: AbortSignal) => Promise<AgentRunResult> = async () => ({ output: { agent_name: 'CodeAgent', content: 'print(1)', citations: [] }, usage, model: 'gpt-4o-mini' })): AgentDescriptor {
  return { name: 'CodeAgent', version: '1.2.3', agent_type: 'code', description: 'Writes code in unit tests.', create: () => ({ name: 'CodeAgent', version: '1.2.3', run: (_input, ctx) => run(ctx?.signal) }) };
}

describe('ProcessTask', () => {
  let store: InMemoryStore;
  let events: RecordingTaskEvents;
  const { logger, records } = recordingLogger();
  let clock: number;

  beforeEach(() => {
    store = new InMemoryStore();
    events = new RecordingTaskEvents();
    clock = Date.UTC(2030, 0, 1);
    records.length = 0;
  });

  function processor(overrides: Partial<ProcessTaskDeps> = {}, agent = codeAgent()) {
    const registry = new AgentRegistry().register(agent, { llm: {} as never, settings: {}, logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never });
    return new ProcessTask({ repositories: store.repositories, registry, router: router(), llmConfigured: true, logger, events, taskTimeoutMs: 5000, historyLimit: 10, now: () => new Date((clock += 1000)), ...overrides });
  }

  async function queued(session = randomUUID(), text = 'Write code'): Promise<Task> {
    const task = newTask({ task_id: randomUUID(), session_id: session, task: text, metadata: { ip: null, user_agent: null, request_id: 'req-1', environment: 'test' }, now: new Date((clock += 1000)) });
    return store.repositories.tasks.create(task);
  }

  it('runs the steps in order: claim, route, run the agent, persist, finish, each move with its event', async () => {
    const task = await queued();
    await expect(processor().run(task.task_id, 1)).resolves.toBe('completed');
    expect(events.events.map((e) => [e.event, e.agent_name])).toEqual([
      ['task.picked_up', null],
      ['task.routed', 'CodeAgent'],
      ['agent.started', 'CodeAgent'],
      ['agent.finished', 'CodeAgent'],
      ['task.completed', 'CodeAgent'],
    ]);
    // The pickup keeps the tenant (a task stored without one is the default tenant's).
    expect(events.events[0]!.data).toEqual({ attempt: 1, delivery: 1, queue_wait_ms: expect.any(Number), tenant: 'default' });
    expect(events.events[4]!.data).toMatchObject({ attempt: 1, total_tokens: 30, duration_ms: expect.any(Number), latency_ms: expect.any(Number) });
    expect(store.tasks.get(task.task_id)).toMatchObject({ status: 'completed', selected_agent: 'CodeAgent', agent_version: '1.2.3', attempts: 1 });
    expect(store.agentRuns.map((r) => [r.kind, r.outcome, r.attempt])).toEqual([
      ['router', 'success', 1],
      ['agent', 'success', 1],
    ]);
    expect(store.messages.map((m) => [m.role, m.content])).toEqual([['assistant', 'print(1)']]);
  });

  it('gives the router the earlier tasks of the session oldest first, bounded by the task in the query', async () => {
    const session = randomUUID();
    const earlier: Task[] = [];
    for (let i = 0; i < 7; i++) earlier.push(await queued(session, `task ${i}`));
    const r = router();
    // A retry of task 2, long after the later ones: it sees tasks 0 and 1, in that order.
    const recent = jest.spyOn(store.repositories.tasks, 'recentBySession');
    await processor({ router: r }).run(earlier[2]!.task_id);
    expect(r.inputs[0]!.previousTasks.map((t) => t.task)).toEqual(['task 0', 'task 1']);
    expect(recent.mock.calls[0]![1]).toEqual({ limit: 5, excludeTaskId: earlier[2]!.task_id, createdAtOrBefore: earlier[2]!.created_at, tenantId: 'default' });
    // The newest task: the five before it, oldest first.
    await processor({ router: r }).run(earlier[6]!.task_id);
    expect(r.inputs[1]!.previousTasks.map((t) => t.task)).toEqual(['task 1', 'task 2', 'task 3', 'task 4', 'task 5']);
  });

  it('fails an unroutable task with UNKNOWN_TASK_TYPE after the routed event', async () => {
    const task = await queued();
    const outcome = await processor({ router: router(() => ({ status: 'unroutable', agent_name: 'Unknown', reasoning: 'Small talk.' })) }).run(task.task_id);
    expect(outcome).toBe('failed');
    expect(events.names()).toEqual(['task.picked_up', 'task.routed', 'task.failed']);
    expect(store.tasks.get(task.task_id)?.error).toMatchObject({ type: 'UNKNOWN_TASK_TYPE' });
    expect(events.events[2]).toMatchObject({ level: 'warn', data: { error_type: 'UNKNOWN_TASK_TYPE' } });
  });

  it('records a failed agent run and fails the task with the agent error', async () => {
    const task = await queued();
    await expect(processor({}, codeAgent(() => Promise.reject(new LlmError('provider said no')))).run(task.task_id)).resolves.toBe('failed');
    expect(store.agentRuns.map((r) => [r.kind, r.outcome])).toEqual([
      ['router', 'success'],
      ['agent', 'failure'],
    ]);
    expect(store.tasks.get(task.task_id)?.error).toEqual({ type: 'LLM_ERROR', message: 'provider said no' });
  });

  it('fails fast with LLM_NOT_CONFIGURED', async () => {
    const task = await queued();
    await processor({ llmConfigured: false }).run(task.task_id);
    expect(store.tasks.get(task.task_id)?.error?.type).toBe('LLM_NOT_CONFIGURED');
    expect(store.agentRuns).toEqual([]);
  });

  it('skips a finished task and drops a missing one', async () => {
    const task = await queued();
    const p = processor();
    await p.run(task.task_id);
    await expect(p.run(task.task_id)).resolves.toBe('skipped');
    await expect(p.run(randomUUID())).resolves.toBe('missing');
    expect(records.find((r) => r.message === 'task not found; dropping job')).toMatchObject({ level: 'warn' });
  });

  it('stops at the deadline with TIMEOUT', async () => {
    const task = await queued();
    const hang = codeAgent((signal) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    await expect(processor({ taskTimeoutMs: 50, now: () => new Date() }, hang).run(task.task_id)).resolves.toBe('failed');
    expect(store.tasks.get(task.task_id)?.error?.type).toBe('TIMEOUT');
  });

  it('is cancelled through the cancel channel while the agent runs: no result, the run recorded as CANCELLED', async () => {
    const task = await queued();
    const channel = new InMemoryCancelChannel();
    const cancellation = new CancelWatcher({ tasks: store.repositories.tasks, pollIntervalMs: 60_000, logger });
    await cancellation.listen(channel);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const agent = codeAgent(
      (signal) =>
        new Promise((_, reject) => {
          started();
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const run = processor({ cancellation }, agent).run(task.task_id);
    await running;
    await channel.publish(task.task_id);
    await expect(run).resolves.toBe('cancelled');
    expect(events.names()).toEqual(['task.picked_up', 'task.routed', 'agent.started', 'task.cancelled']);
    expect(store.tasks.get(task.task_id)).toMatchObject({ status: 'cancelled', result: null });
    expect(store.agentRuns.find((r) => r.kind === 'agent')).toMatchObject({ outcome: 'failure', error: { type: 'CANCELLED' } });
    await cancellation.stop();
  });

  it('abandons the task at shutdown: throws TaskAbandonedError and writes no final state', async () => {
    const task = await queued();
    const shutdown = new AbortController();
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const agent = codeAgent(
      (signal) =>
        new Promise((_, reject) => {
          started();
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    );
    const run = processor({ shutdown: shutdown.signal }, agent).run(task.task_id);
    await running;
    shutdown.abort();
    await expect(run).rejects.toBeInstanceOf(TaskAbandonedError);
    expect(store.tasks.get(task.task_id)).toMatchObject({ status: 'processing', completed_at: null });
    expect(events.names()).not.toContain('task.failed');
    expect(records.find((r) => r.message === 'task abandoned at shutdown; left for another worker')).toMatchObject({ level: 'warn', task_id: task.task_id });
  });
});
