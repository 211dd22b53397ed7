import { randomUUID } from 'node:crypto';
import { AgentRegistry, currentUsageMeter, type AgentDescriptor, type AgentRunResult } from '@agent-orchestrator/agents-core';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { LlmError, ServiceUnavailableError, newTask, type Task, type TaskBudget } from '@agent-orchestrator/domain';
import type { RoutingResult } from '@agent-orchestrator/router';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import { RecordingTaskEvents, recordingLogger } from '../testing';
import { ProcessTask, resumeFrom, type ProcessTaskDeps, type TaskRouter } from './process-task';
import { TaskAbandonedError } from './run-control';

// Durable steps on the in-memory adapters: a later attempt of a task resumes after its last finished
// step (no second router or agent call), a client's retry starts over, each paid call is counted once.

const routerUsage = [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.00001 }];
const agentUsage = [{ model: 'gpt-4o', prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost_usd: 0.0005 }];

function countingRouter(): TaskRouter & { calls: number } {
  const router: TaskRouter & { calls: number } = {
    name: 'PeerAgent',
    version: '1.0.0',
    calls: 0,
    route: async (): Promise<RoutingResult> => {
      router.calls++;
      return {
        decision: { status: 'routed', agent_name: 'CodeAgent', confidence: 0.9, reasoning: 'It asks for code.' },
        usage: routerUsage,
        model: 'gpt-4o-mini',
        prompt: 'prompt',
      };
    },
  };
  return router;
}

function countingAgent(
  answer: () => Promise<AgentRunResult> = async () => ({
    output: {
      agent_name: 'CodeAgent',
      content: 'print(1)',
      code_language: 'python',
      summary: 'Prints 1.',
      citations: [{ source: 'docs', title: 'Python', url: 'https://docs.python.org' }],
    },
    usage: agentUsage,
    model: 'gpt-4o',
  }),
): AgentDescriptor & { calls: () => number } {
  let calls = 0;
  return {
    name: 'CodeAgent',
    version: '1.2.3',
    agent_type: 'code',
    description: 'Writes code in unit tests.',
    create: () => ({
      name: 'CodeAgent',
      version: '1.2.3',
      run: () => {
        calls++;
        return answer();
      },
    }),
    calls: () => calls,
  };
}

describe('ProcessTask, durable steps', () => {
  let store: InMemoryStore;
  let events: RecordingTaskEvents;
  const { logger } = recordingLogger();
  let clock: number;

  beforeEach(() => {
    store = new InMemoryStore();
    events = new RecordingTaskEvents();
    clock = Date.UTC(2030, 0, 1);
  });

  const now = () => new Date((clock += 1000));

  function processor(router: TaskRouter, agent: AgentDescriptor, overrides: Partial<ProcessTaskDeps> = {}) {
    const registry = new AgentRegistry().register(agent, {
      llm: {} as never,
      settings: {},
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never,
    });
    return new ProcessTask({
      repositories: store.repositories,
      registry,
      router,
      llmConfigured: true,
      logger,
      events,
      taskTimeoutMs: 5000,
      historyLimit: 10,
      now,
      ...overrides,
    });
  }

  async function queued(budget: TaskBudget | null = null): Promise<Task> {
    return store.repositories.tasks.create(
      newTask({
        task_id: randomUUID(),
        session_id: randomUUID(),
        task: 'Write code',
        metadata: { ip: null, user_agent: null, request_id: 'req-1', environment: 'test' },
        now: now(),
        budget,
      }),
    );
  }

  /** A first attempt that dies after `step` finished (the process is gone: nothing more is written). */
  async function firstAttemptDiesAfter(step: 'route' | 'agent', task: Task, router: TaskRouter, agent: AgentDescriptor): Promise<void> {
    const shutdown = new AbortController();
    const deps = processor(router, agent, { shutdown: shutdown.signal });
    const tasks = store.repositories.tasks;
    const original = tasks.saveCheckpoint;
    // The worker dies right after the step's checkpoint is stored: the run stops there and writes no final state.
    tasks.saveCheckpoint = async (id, checkpoint, at) => {
      const saved = await original(id, checkpoint, at);
      if (checkpoint.step === step) shutdown.abort();
      return saved;
    };
    try {
      await expect(deps.run(task.task_id, 1)).rejects.toBeInstanceOf(TaskAbandonedError);
    } finally {
      tasks.saveCheckpoint = original;
    }
    expect(store.tasks.get(task.task_id)).toMatchObject({ status: 'processing', result: null });
    events.events.length = 0;
  }

  it('stores the router decision and the agent output as checkpoints as each step ends; nothing reused on a first attempt', async () => {
    const task = await queued();
    const router = countingRouter();
    const agent = countingAgent();
    await expect(processor(router, agent).run(task.task_id, 1)).resolves.toBe('completed');
    const done = store.tasks.get(task.task_id)!;
    expect(done.checkpoints.route).toMatchObject({
      decision: { status: 'routed', agent_name: 'CodeAgent', confidence: 0.9 },
      model: 'gpt-4o-mini',
      usage: routerUsage,
    });
    expect(done.checkpoints.agent).toMatchObject({
      agent_name: 'CodeAgent',
      agent_version: '1.2.3',
      model: 'gpt-4o',
      usage: agentUsage,
      output: { content: 'print(1)', code_language: 'python', summary: 'Prints 1.' },
    });
    expect(done.reused_steps).toEqual([]);
    expect(events.events.find((e) => e.event === 'task.completed')?.data).not.toHaveProperty('reused_steps');
  });

  it('writes each checkpoint first and alone after its answer: the run record waits for it; "step kept" logs the window', async () => {
    const task = await queued();
    const { logger: log, records } = recordingLogger();
    const router = countingRouter();
    const answerRoute = router.route.bind(router);
    router.route = async (input, options) => {
      const routed = await answerRoute(input, options);
      // What invokeStructured does with a provider's answer: the meter sees it.
      currentUsageMeter()?.record(routerUsage[0]!);
      store.calls.push('router answered');
      return routed;
    };
    const agent = countingAgent(async () => {
      currentUsageMeter()?.record(agentUsage[0]!);
      store.calls.push('agent answered');
      return { output: { agent_name: 'CodeAgent', content: 'print(1)', citations: [] }, usage: agentUsage, model: 'gpt-4o' };
    });
    const tasks = store.repositories.tasks;
    const original = tasks.saveCheckpoint;
    // A slow acknowledgement: a run record written alongside would show up in the calls before it.
    tasks.saveCheckpoint = async (id, checkpoint, at) => {
      await new Promise((resolve) => setTimeout(resolve, 25));
      return original(id, checkpoint, at);
    };
    try {
      await expect(processor(router, agent, { logger: log }).run(task.task_id, 1)).resolves.toBe('completed');
    } finally {
      tasks.saveCheckpoint = original;
    }
    for (const step of ['router', 'agent']) {
      const answered = store.calls.indexOf(`${step} answered`);
      expect(store.calls.slice(answered + 1, answered + 3)).toEqual(['tasks.saveCheckpoint', 'agentRuns.record']);
    }
    const kept = records.filter((r) => r.message === 'step kept');
    expect(kept.map((r) => [r['step'], r['task_id'], r['level']])).toEqual([
      ['route', task.task_id, 'debug'],
      ['agent', task.task_id, 'debug'],
    ]);
    for (const r of kept) {
      const [window, write] = [Number(r['answer_to_checkpoint_ms']), Number(r['checkpoint_write_ms'])];
      expect(write).toBeGreaterThanOrEqual(20);
      expect(window).toBeGreaterThanOrEqual(write);
      expect(Number(r['kept_at_ms']) - Number(r['answered_at_ms'])).toBe(window);
    }
  });

  it('resumes after the route step: the router is not asked again, the agent runs, usage counts the router call once', async () => {
    const task = await queued();
    const router = countingRouter();
    const agent = countingAgent();
    await firstAttemptDiesAfter('route', task, router, agent);
    expect([router.calls, agent.calls()]).toEqual([1, 0]);

    await expect(processor(router, agent).run(task.task_id, 2)).resolves.toBe('completed');
    expect([router.calls, agent.calls()]).toEqual([1, 1]);
    const done = store.tasks.get(task.task_id)!;
    expect(done).toMatchObject({ status: 'completed', attempts: 2, reused_steps: ['route'], selected_agent: 'CodeAgent', result: { raw_output: 'print(1)' } });
    expect(done.usage).toMatchObject({ total_tokens: 135, prompt_tokens: 110, completion_tokens: 25 });
    expect(events.events.map((e) => [e.event, e.data['reused'] ?? false])).toEqual([
      ['task.picked_up', false],
      ['task.routed', true],
      ['agent.started', false],
      ['agent.finished', false],
      ['task.completed', false],
    ]);
    expect(events.events[1]!.data).toMatchObject({ confidence: 0.9, routed: true, tokens: 15 });
    expect(events.events[4]!.data).toMatchObject({ attempt: 2, total_tokens: 135, reused_steps: ['route'] });
    // One router run (attempt 1) and one agent run (attempt 2): no run for the reused step.
    expect(store.agentRuns.map((r) => [r.kind, r.outcome, r.attempt])).toEqual([
      ['router', 'success', 1],
      ['agent', 'success', 2],
    ]);
  });

  it('resumes after the agent step: no LLM call at all, the result comes from the checkpoint, usage counts each call once', async () => {
    const task = await queued();
    const router = countingRouter();
    const agent = countingAgent();
    await firstAttemptDiesAfter('agent', task, router, agent);
    expect([router.calls, agent.calls()]).toEqual([1, 1]);
    expect(store.messages).toEqual([]);

    await expect(processor(router, agent).run(task.task_id, 2)).resolves.toBe('completed');
    expect([router.calls, agent.calls()]).toEqual([1, 1]);
    const done = store.tasks.get(task.task_id)!;
    expect(done).toMatchObject({
      status: 'completed',
      attempts: 2,
      reused_steps: ['route', 'agent'],
      result: {
        raw_output: 'print(1)',
        code_language: 'python',
        summary: 'Prints 1.',
        citations: [{ source: 'docs', title: 'Python', url: 'https://docs.python.org' }],
      },
    });
    expect(done.usage).toEqual({
      prompt_tokens: 110,
      completion_tokens: 25,
      total_tokens: 135,
      cost_usd: 0.00051,
      by_model: [
        { model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.00001 },
        { model: 'gpt-4o', prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost_usd: 0.0005 },
      ],
    });
    // The timeline of the second attempt: no agent.started (the agent did not run), the reused steps marked.
    expect(events.events.map((e) => [e.event, e.data['reused'] ?? false])).toEqual([
      ['task.picked_up', false],
      ['task.routed', true],
      ['agent.finished', true],
      ['task.completed', false],
    ]);
    expect(events.events[2]!.data).toMatchObject({ model: 'gpt-4o', total_tokens: 120, duration_ms: 0 });
    expect(store.agentRuns.map((r) => [r.kind, r.attempt])).toEqual([
      ['router', 1],
      ['agent', 1],
    ]);
    expect(store.messages.map((m) => [m.role, m.content])).toEqual([['assistant', 'print(1)']]);
  });

  it('a client retry starts over: checkpoints and reused steps are cleared, router and agent are called again', async () => {
    const task = await queued();
    const router = countingRouter();
    let failAgent = true;
    const agent = countingAgent(async () => {
      if (failAgent) throw new LlmError('provider hiccup');
      return { output: { agent_name: 'CodeAgent', content: 'print(2)', citations: [] }, usage: agentUsage, model: 'gpt-4o' };
    });
    await expect(processor(router, agent).run(task.task_id, 1)).resolves.toBe('failed');
    expect(store.tasks.get(task.task_id)!.checkpoints.route).not.toBeNull();

    const lifecycle = new TaskLifecycle({ tasks: store.repositories.tasks, events, now });
    const requeued = await lifecycle.retry(task.task_id, ['LLM_ERROR'], {});
    expect(requeued).toMatchObject({ status: 'queued', checkpoints: { route: null, agent: null }, reused_steps: [] });

    failAgent = false;
    await expect(processor(router, agent).run(task.task_id, 1)).resolves.toBe('completed');
    expect([router.calls, agent.calls()]).toEqual([2, 2]);
    expect(store.tasks.get(task.task_id)).toMatchObject({
      status: 'completed',
      reused_steps: [],
      result: { raw_output: 'print(2)' },
      usage: { total_tokens: 135 },
    });
  });

  it("starts a resumed task's budget from what the checkpointed steps spent: the crash does not reset it", async () => {
    // 15 tokens routed, then the worker died; the budget of 15 is used up before the agent's first call.
    const task = await queued({ max_tokens: 15, max_cost_usd: null });
    const router = countingRouter();
    const agent = countingAgent(async () => {
      currentUsageMeter()?.beforeCall('gpt-4o');
      return { output: { agent_name: 'CodeAgent', content: 'never', citations: [] }, usage: agentUsage, model: 'gpt-4o' };
    });
    await firstAttemptDiesAfter('route', task, router, agent);

    await expect(processor(router, agent).run(task.task_id, 2)).resolves.toBe('failed');
    expect(router.calls).toBe(1);
    expect(store.tasks.get(task.task_id)).toMatchObject({
      status: 'failed',
      error: { type: 'BUDGET_EXCEEDED' },
      reused_steps: ['route'],
      usage: { total_tokens: 15 },
    });
  });

  it('waits for an unreachable database to keep a finished step instead of failing and paying for it again', async () => {
    const task = await queued();
    const router = countingRouter();
    const agent = countingAgent();
    const tasks = store.repositories.tasks;
    const original = tasks.saveCheckpoint;
    let refusals = 2;
    tasks.saveCheckpoint = async (id, checkpoint, at) => {
      if (checkpoint.step === 'route' && refusals-- > 0) throw new ServiceUnavailableError('MongoDB is restarting');
      return original(id, checkpoint, at);
    };
    await expect(processor(router, agent, { stepWritePatienceMs: 5000 }).run(task.task_id, 1)).resolves.toBe('completed');
    expect([router.calls, agent.calls()]).toEqual([1, 1]);
    expect(store.agentRuns.map((r) => r.kind)).toEqual(['router', 'agent']);
    expect(store.tasks.get(task.task_id)?.checkpoints.route).not.toBeNull();

    // Past its patience the run fails as before.
    const other = await queued();
    tasks.saveCheckpoint = async () => {
      throw new ServiceUnavailableError('MongoDB is down');
    };
    await expect(processor(router, agent, { stepWritePatienceMs: 300 }).run(other.task_id, 1)).resolves.toBe('failed');
    tasks.saveCheckpoint = original;
    expect(store.tasks.get(other.task_id)?.error?.type).toBe('SERVICE_UNAVAILABLE');
  });

  it('takes an agent checkpoint only together with the route checkpoint that chose that agent', () => {
    const route = {
      decision: { status: 'routed' as const, agent_name: 'CodeAgent', confidence: 0.9, reasoning: 'r' },
      model: 'm',
      usage: [],
      finished_at: new Date(),
    };
    const agent = {
      agent_name: 'CodeAgent',
      agent_version: '1',
      model: 'm',
      output: { agent_name: 'CodeAgent', content: 'x', citations: [] },
      usage: [],
      finished_at: new Date(),
    };
    expect(resumeFrom({ checkpoints: { route: null, agent: null } })).toEqual({ route: null, agent: null });
    expect(resumeFrom({ checkpoints: { route, agent } })).toEqual({ route, agent });
    expect(resumeFrom({ checkpoints: { route: null, agent } })).toEqual({ route: null, agent: null });
    expect(resumeFrom({ checkpoints: { route: { ...route, decision: { ...route.decision, agent_name: 'ContentAgent' } }, agent } }).agent).toBeNull();
  });
});
