// needs: a MongoDB-compatible server (MONGO_URI), started by the Jest global setup.
// The pipeline under redelivery, racing workers, cancellation and shutdown.
import { randomUUID } from 'node:crypto';
import { AgentRegistry, type AgentDescriptor, type AgentRunResult } from '@agent-orchestrator/agents-core';
import { scriptedLlmProvider } from '@agent-orchestrator/agents-core/testing';
import { newTask, type Task, type TaskEvent } from '@agent-orchestrator/domain';
import type { MongoStore } from '@agent-orchestrator/persistence';
import { useTestDatabase } from '@agent-orchestrator/persistence/testing';
import { PeerAgent } from '@agent-orchestrator/router';
import { CancelWatcher } from '../cancel/cancel-watcher';
import { ProcessTask, type ProcessTaskDeps } from './process-task';
import { TaskAbandonedError } from './run-control';
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


const result = (content: string): AgentRunResult => ({
  output: { agent_name: 'CodeAgent', content, citations: [] },
  usage: [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.00001 }],
  model: 'gpt-4o-mini',
});

/** A CodeAgent whose runs the test controls: each call waits for `release()` or its abort signal. */
function gatedAgent() {
  const started: AbortSignal[] = [];
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const descriptor: AgentDescriptor = {
    name: 'CodeAgent',
    version: '1.0.0',
    agent_type: 'code',
    description: 'Writes code; a stand-in agent whose runs wait until the test lets them finish.',
    create: () => ({
      name: 'CodeAgent',
      version: '1.0.0',
      run: (_input, ctx) =>
        new Promise<AgentRunResult>((resolve, reject) => {
          const signal = ctx?.signal;
          if (signal) started.push(signal);
          signal?.addEventListener('abort', () => reject(new Error('aborted by signal')), { once: true });
          void gate.then(() => resolve(result('print(1)')));
        }),
    }),
  };
  return { descriptor, started, release: () => open() };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('process_task reliability (real MongoDB)', () => {
  let store: MongoStore;
  const db = useTestDatabase('ao_tasks_process');

  function processor(agent: AgentDescriptor, seen: TaskEvent[], overrides: Partial<ProcessTaskDeps> = {}) {
    const llm = scriptedLlmProvider(() => JSON.stringify({ agent_name: 'CodeAgent', confidence: 0.9, reasoning: 'It asks for code.' }));
    const registry = new AgentRegistry();
    registry.register(agent, { llm, settings: {}, logger });
    const router = new PeerAgent({ llm, model: 'gpt-4o-mini', agents: registry.list(), minConfidence: 0.5 });
    const task = new ProcessTask({
      repositories: store.repositories,
      registry,
      router,
      llmConfigured: true,
      logger,
      events: eventsInto(seen),
      taskTimeoutMs: 10_000,
      historyLimit: 0,
      ...overrides,
    });
    return (taskId: string, delivery?: number) => task.run(taskId, delivery);
  }

  async function queued(): Promise<Task> {
    const task = newTask({ task_id: randomUUID(), session_id: randomUUID(), task: 'Write code that prints 1', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: new Date() });
    return store.repositories.tasks.create(task);
  }

  beforeAll(() => {
    store = db.store;
  });

  it('lets two workers racing on one task complete it once and records both attempts', async () => {
    const task = await queued();
    const agent = gatedAgent();
    const seen: TaskEvent[] = [];
    const a = processor(agent.descriptor, seen);
    const b = processor(agent.descriptor, seen);
    // The same job delivered twice (a stalled job redelivered while its first worker still runs).
    const runs = [a(task.task_id, 1), b(task.task_id, 2)];
    await until(() => agent.started.length === 2);
    agent.release();
    const outcomes = await Promise.all(runs);

    expect(outcomes.sort()).toEqual(['completed', 'skipped']);
    expect(seen.filter((e) => e.event === 'task.completed')).toHaveLength(1);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    const recorded = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(recorded.filter((r) => r.kind === 'agent').map((r) => r.attempt).sort()).toEqual([1, 2]);
    // The second pickup routes again unless the first one's route checkpoint was already stored (durable steps).
    const routerAttempts = recorded.filter((r) => r.kind === 'router').map((r) => r.attempt).sort();
    expect(routerAttempts[0]).toBe(1);
    expect(routerAttempts.length).toBeLessThanOrEqual(2);
    // Attempt numbers come from the task, not from the job: picked_up reports both.
    expect(seen.filter((e) => e.event === 'task.picked_up').map((e) => e.data['attempt']).sort()).toEqual([1, 2]);
  });

  it('counts attempts across redeliveries from the task, whatever the delivery number', async () => {
    const task = await queued();
    await store.repositories.tasks.markProcessing(task.task_id, new Date()); // a first worker died after pickup
    const agent = gatedAgent();
    agent.release();
    const seen: TaskEvent[] = [];
    await expect(processor(agent.descriptor, seen)(task.task_id, 1)).resolves.toBe('completed');
    const recorded = await store.repositories.agentRuns.listByTask(task.task_id);
    expect(recorded.map((r) => r.attempt)).toEqual([2, 2]);
    expect(seen.find((e) => e.event === 'task.completed')?.data).toMatchObject({ attempt: 2 });
  });

  it('aborts a running task when a client cancels it: final status cancelled, no result, the run recorded as CANCELLED', async () => {
    const task = await queued();
    const agent = gatedAgent();
    const seen: TaskEvent[] = [];
    const cancellation = new CancelWatcher({ tasks: store.repositories.tasks, pollIntervalMs: 50, logger });
    const run = processor(agent.descriptor, seen, { cancellation })(task.task_id, 1);
    await until(() => agent.started.length === 1);
    const request = await store.repositories.tasks.requestCancel(task.task_id, new Date());
    expect(request?.change).toBe('requested');

    await expect(run).resolves.toBe('cancelled');
    expect(agent.started[0]!.aborted).toBe(true);
    const done = (await store.repositories.tasks.findById(task.task_id))!;
    expect(done).toMatchObject({ status: 'cancelled', result: null, error: { type: 'CANCELLED' } });
    expect(done.usage.total_tokens).toBeGreaterThan(0); // the router's tokens were spent and are kept
    const agentRun = (await store.repositories.agentRuns.listByTask(task.task_id)).find((r) => r.kind === 'agent');
    expect(agentRun).toMatchObject({ outcome: 'failure', attempt: 1, error: { type: 'CANCELLED' } });
    expect(seen.map((e) => e.event)).toEqual(['task.picked_up', 'task.routed', 'agent.started', 'task.cancelled']);
    expect(await store.repositories.messages.listByTask(task.task_id)).toEqual([]);
    await cancellation.stop();
  });

  it('reacts to the pub/sub notice without waiting for a poll', async () => {
    const task = await queued();
    const agent = gatedAgent();
    const cancellation = new CancelWatcher({ tasks: store.repositories.tasks, pollIntervalMs: 60_000, logger });
    const run = processor(agent.descriptor, [], { cancellation })(task.task_id, 1);
    await until(() => agent.started.length === 1);
    await store.repositories.tasks.requestCancel(task.task_id, new Date());
    cancellation.notify(task.task_id);
    await expect(run).resolves.toBe('cancelled');
    await cancellation.stop();
  });

  it('cancels at pickup a redelivered task whose cancel was requested while no worker ran it', async () => {
    const task = await queued();
    await store.repositories.tasks.markProcessing(task.task_id, new Date());
    await store.repositories.tasks.requestCancel(task.task_id, new Date());
    const agent = gatedAgent();
    const seen: TaskEvent[] = [];
    await expect(processor(agent.descriptor, seen)(task.task_id, 1)).resolves.toBe('cancelled');
    expect(agent.started).toHaveLength(0);
    expect(seen.map((e) => e.event)).toEqual(['task.picked_up', 'task.cancelled']);
  });

  it('skips a task cancelled while queued: the agent never runs', async () => {
    const task = await queued();
    await store.repositories.tasks.requestCancel(task.task_id, new Date());
    const agent = gatedAgent();
    await expect(processor(agent.descriptor, [])(task.task_id, 1)).resolves.toBe('skipped');
    expect(agent.started).toHaveLength(0);
    expect((await store.repositories.tasks.findById(task.task_id))?.attempts).toBe(0);
  });

  it('abandons a running task at shutdown without writing a final state', async () => {
    const task = await queued();
    const agent = gatedAgent();
    const shutdown = new AbortController();
    const seen: TaskEvent[] = [];
    const run = processor(agent.descriptor, seen, { shutdown: shutdown.signal })(task.task_id, 1);
    await until(() => agent.started.length === 1);
    shutdown.abort();
    await expect(run).rejects.toBeInstanceOf(TaskAbandonedError);
    expect((await store.repositories.tasks.findById(task.task_id))).toMatchObject({ status: 'processing', completed_at: null, result: null, error: null });
    expect(seen.map((e) => e.event)).not.toContain('task.failed');
  });
});
