// needs: a MongoDB-compatible server (MONGO_URI), started by the Jest global setup.
import { randomUUID } from 'node:crypto';
import { AgentRegistry, type AgentDescriptor, type AgentRunResult } from '@agent-orchestrator/agents-core';
import { scriptedLlmProvider, type ChatScript } from '@agent-orchestrator/agents-core/testing';
import { LlmError, newTask, type Task, type TaskEvent } from '@agent-orchestrator/domain';
import type { MongoStore } from '@agent-orchestrator/persistence';
import { useTestDatabase } from '@agent-orchestrator/persistence/testing';
import { PeerAgent } from '@agent-orchestrator/router';
import { ProcessTask, type ProcessTaskDeps } from './process-task';
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


function testAgent(name: string, agent_type: string, run: (task: string, signal?: AbortSignal) => Promise<AgentRunResult>): AgentDescriptor {
  return {
    name,
    version: '1.2.3',
    agent_type,
    description: `${name} handles ${agent_type} tasks in tests; it is a stand-in for a real agent package.`,
    create: () => ({ name, version: '1.2.3', run: (input, ctx) => run(input.task, ctx?.signal) }),
  };
}

const okResult = (name: string, content: string, extra: Partial<AgentRunResult['output']> = {}): AgentRunResult => ({
  output: { agent_name: name, content, citations: [], ...extra },
  usage: [{ model: 'gpt-4o-mini', prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, cost_usd: 0.000045 }],
  model: 'gpt-4o-mini',
});

describe('process_task pipeline (real MongoDB)', () => {
  let store: MongoStore;
  const db = useTestDatabase('ao_tasks_process');
  let routeReply: (task: string) => object;

  const script: ChatScript = (messages) => {
    const last = messages[messages.length - 1];
    const text = typeof last?.content === 'string' ? last.content : '';
    return JSON.stringify(routeReply(text));
  };

  function makeProcessor(overrides: Partial<ProcessTaskDeps> = {}, agents: AgentDescriptor[] = defaultAgents()) {
    const llm = scriptedLlmProvider(script);
    const registry = new AgentRegistry();
    for (const a of agents) registry.register(a, { llm, settings: {}, logger });
    const router = new PeerAgent({ llm, model: 'gpt-4o-mini', agents: registry.list(), minConfidence: 0.5 });
    const processor = new ProcessTask({ repositories: store.repositories, registry, router, llmConfigured: true, logger, events: new RecordingTaskEvents(), taskTimeoutMs: 5000, historyLimit: 10, ...overrides });
    return (taskId: string, delivery?: number) => processor.run(taskId, delivery);
  }

  function defaultAgents(): AgentDescriptor[] {
    return [
      testAgent('CodeAgent', 'code', async () => okResult('CodeAgent', '```python\nprint(1)\n```', { code_language: 'python', summary: 'Prints 1.' })),
      testAgent('ContentAgent', 'content', async () => okResult('ContentAgent', 'An essay [1].', { citations: [{ source: 'tavily', title: 'T', url: 'https://example.com/t' }] })),
    ];
  }

  async function queued(text: string, session = `s-${randomUUID()}`): Promise<Task> {
    const task = newTask({ task_id: randomUUID(), session_id: session, task: text, metadata: { ip: '127.0.0.1', user_agent: 'jest', request_id: 'req-1', environment: 'test' }, now: new Date() });
    await store.repositories.tasks.create(task);
    await store.repositories.messages.append({ message_id: randomUUID(), session_id: session, task_id: task.task_id, role: 'user', content: text, agent_name: null, created_at: task.created_at });
    return task;
  }

  beforeAll(() => {
    store = db.store;
  });
  beforeEach(() => {
    routeReply = () => ({ agent_name: 'CodeAgent', confidence: 0.9, reasoning: 'It asks for code.' });
  });

  it('routes, runs the agent and completes the task with result, usage, runs and messages', async () => {
    const task = await queued('Write a python program that prints 1');
    const seen: TaskEvent[] = [];
    await expect(makeProcessor({ events: eventsInto(seen) })(task.task_id, 1)).resolves.toBe('completed');
    expect(seen.map((e) => [e.event, e.agent_name])).toEqual([
      ['task.picked_up', null],
      ['task.routed', 'CodeAgent'],
      ['agent.started', 'CodeAgent'],
      ['agent.finished', 'CodeAgent'],
      ['task.completed', 'CodeAgent'],
    ]);
    for (const e of seen) expect(e).toMatchObject({ task_id: task.task_id, session_id: task.session_id, request_id: 'req-1', service: 'test' });
    expect(seen[1]!.data).toMatchObject({ confidence: 0.9, routed: true });
    expect(seen[3]!.data).toMatchObject({ model: 'gpt-4o-mini', total_tokens: 150, prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(seen[4]!.data).toMatchObject({ attempt: 1, duration_ms: expect.any(Number), latency_ms: expect.any(Number), cost_usd: expect.any(Number) });

    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done.status).toBe('completed');
    expect(done).toMatchObject({ selected_agent: 'CodeAgent', agent_type: 'code', agent_version: '1.2.3', peer_routing_reason: 'It asks for code.', confidence: 0.9, error: null, attempts: 1 });
    expect(done.result).toEqual({ summary: 'Prints 1.', raw_output: '```python\nprint(1)\n```', code_language: 'python', citations: [] });
    expect(done.started_at).toBeInstanceOf(Date);
    expect(done.completed_at!.getTime()).toBeGreaterThanOrEqual(done.started_at!.getTime());
    // router usage (scripted model) + agent usage, both priced on gpt-4o-mini
    expect(done.usage.by_model).toHaveLength(1);
    expect(done.usage.total_tokens).toBeGreaterThan(150);
    expect(done.usage.cost_usd).toBeGreaterThan(0.000045);

    const runs = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(runs.map((r) => [r.kind, r.agent_name, r.outcome])).toEqual([
      ['router', 'PeerAgent', 'success'],
      ['agent', 'CodeAgent', 'success'],
    ]);
    expect(runs[1]).toMatchObject({ agent_version: '1.2.3', model: 'gpt-4o-mini', attempt: 1, total_tokens: 150, input: task.task });
    expect(JSON.parse(runs[0]!.output!)).toMatchObject({ status: 'routed', agent_name: 'CodeAgent' });

    const messages = await store.repositories.messages.listByTask(task.task_id);
    expect(messages.map((m) => [m.role, m.agent_name])).toEqual([
      ['user', null],
      ['assistant', 'CodeAgent'],
    ]);
  });

  it('fails an unroutable task with UNKNOWN_TASK_TYPE and the router reasoning', async () => {
    routeReply = () => ({ agent_name: 'Unknown', confidence: 0.2, reasoning: 'Small talk, nothing to produce.' });
    const task = await queued('hello, how are you?');
    await expect(makeProcessor()(task.task_id, 1)).resolves.toBe('failed');
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done.status).toBe('failed');
    expect(done.error?.type).toBe('UNKNOWN_TASK_TYPE');
    expect(done.error?.message).toContain('Small talk');
    expect(done.selected_agent).toBeNull();
    expect(done.peer_routing_reason).toContain('Small talk');
    expect(done.completed_at).toBeInstanceOf(Date);
    const runs = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(runs.map((r) => r.kind)).toEqual(['router']);
  });

  it('fails a low-confidence routing with UNKNOWN_TASK_TYPE', async () => {
    routeReply = () => ({ agent_name: 'ContentAgent', confidence: 0.3, reasoning: 'Maybe writing?' });
    const task = await queued('do the thing');
    await makeProcessor()(task.task_id, 1);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done.error?.type).toBe('UNKNOWN_TASK_TYPE');
    expect(done.confidence).toBe(0.3);
  });

  it('fails fast with LLM_NOT_CONFIGURED and calls no model', async () => {
    const task = await queued('Write code');
    await makeProcessor({ llmConfigured: false })(task.task_id, 1);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done.status).toBe('failed');
    expect(done.error?.type).toBe('LLM_NOT_CONFIGURED');
    expect(await store.repositories.agentRuns.listByTask(task.task_id)).toEqual([]);
  });

  it('records a failed agent run and fails the task with the agent error type', async () => {
    const agents = [testAgent('CodeAgent', 'code', async () => Promise.reject(new LlmError('provider said no')))];
    const task = await queued('Write code');
    await makeProcessor({}, agents)(task.task_id, 1);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done.error).toEqual({ type: 'LLM_ERROR', message: 'provider said no' });
    const runs = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(runs[1]).toMatchObject({ kind: 'agent', outcome: 'failure', error: { type: 'LLM_ERROR', message: 'provider said no' } });
    // the router's tokens are still accounted for
    expect(done.usage.total_tokens).toBeGreaterThan(0);
  });

  it('ends a task that overruns its deadline as TIMEOUT', async () => {
    const slow = testAgent('CodeAgent', 'code', (_t, signal) => new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    const task = await queued('Write code slowly');
    await makeProcessor({ taskTimeoutMs: 300 }, [slow])(task.task_id, 1);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done.status).toBe('failed');
    expect(done.error?.type).toBe('TIMEOUT');
  });

  it('turns an unexpected agent crash into INTERNAL_ERROR, never leaving the task processing', async () => {
    const broken = testAgent('CodeAgent', 'code', async () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const task = await queued('Write code');
    await makeProcessor({}, [broken])(task.task_id, 1);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done.status).toBe('failed');
    expect(done.error?.type).toBe('INTERNAL_ERROR');
  });

  it('does nothing for a task that already finished (re-delivered job)', async () => {
    const task = await queued('Write code');
    const process = makeProcessor();
    await process(task.task_id, 1);
    const before = (await store.repositories.tasks.findById(task.task_id))!;
    await expect(process(task.task_id, 2)).resolves.toBe('skipped');
    expect(await store.repositories.tasks.findById(task.task_id)).toEqual(before);
    expect(await store.repositories.agentRuns.listByTask(task.task_id)).toHaveLength(2);
  });

  it('returns missing for an unknown task id', async () => {
    await expect(makeProcessor()(randomUUID(), 1)).resolves.toBe('missing');
  });

  it('gives the router the session history of earlier tasks', async () => {
    const session = `s-${randomUUID()}`;
    const first = await queued('Write a python program that prints 1', session);
    await makeProcessor()(first.task_id, 1);
    const seen: string[] = [];
    routeReply = (text) => {
      seen.push(text);
      return { agent_name: 'CodeAgent', confidence: 0.8, reasoning: 'Follow-up on the code.' };
    };
    const second = await queued('Now make it print 2 instead', session);
    await makeProcessor()(second.task_id, 1);
    expect(seen.join('\n')).toContain('Write a python program that prints 1');
    expect((await store.repositories.tasks.findById(second.task_id))!.status).toBe('completed');
  });

  it('numbers agent runs after a retry from the task\'s attempts, keeping the earlier runs', async () => {
    let calls = 0;
    const flaky = testAgent('CodeAgent', 'code', async () => (++calls === 1 ? Promise.reject(new LlmError('provider hiccup')) : okResult('CodeAgent', 'print(2)')));
    const task = await queued('Write code twice');
    const processor = makeProcessor({}, [flaky]);
    await expect(processor(task.task_id, 1)).resolves.toBe('failed');
    const requeued = await store.repositories.tasks.requeueFailed(task.task_id, { retryableTypes: ['LLM_ERROR'] }, new Date());
    expect(requeued).toMatchObject({ status: 'queued', attempts: 1 });
    // A retry is a new Bull job, so Bull's own count starts at 1 again.
    await expect(processor(task.task_id, 1)).resolves.toBe('completed');
    const runs = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(runs.map((r) => [r.kind, r.outcome, r.attempt])).toEqual([
      ['router', 'success', 1],
      ['agent', 'failure', 1],
      ['router', 'success', 2],
      ['agent', 'success', 2],
    ]);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done).toMatchObject({ status: 'completed', attempts: 2, retries: [{ error: { type: 'LLM_ERROR', message: 'provider hiccup' }, attempts: 1 }] });
  });
});
