// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// Durable steps: checkpoints and reused steps on the task document.
import type { AgentCheckpoint, RouteCheckpoint, Task } from '@agent-orchestrator/domain';

import type { TaskRepository } from '../repositories';
import { makeTask, openTestDatabase, tick, type TestDatabase } from '../testing/mongo-test-env';

let db: TestDatabase;
let tasks: TaskRepository;

beforeAll(async () => {
  db = await openTestDatabase();
  tasks = db.store.repositories.tasks;
});

afterAll(async () => {
  await db?.dispose();
});

const usage = [{ model: 'gpt-4o-mini', prompt_tokens: 120, completion_tokens: 30, total_tokens: 150, cost_usd: 0.0000360 }];

function routeCheckpoint(): RouteCheckpoint {
  return { decision: { status: 'routed', agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'Asks for code.' }, model: 'gpt-4o-mini', usage, finished_at: tick() };
}

function agentCheckpoint(): AgentCheckpoint {
  return {
    agent_name: 'CodeAgent',
    agent_version: '1.2.3',
    model: 'gpt-4o',
    output: { agent_name: 'CodeAgent', content: '```python\nprint(42)\n```', code_language: 'python', summary: 'Prints 42.', citations: [{ source: 'tavily', title: 'Docs', url: 'https://example.com' }] },
    usage,
    finished_at: tick(),
  };
}

async function processing(overrides: Partial<Task> = {}): Promise<Task> {
  const task = await tasks.create(makeTask(overrides));
  return (await tasks.markProcessing(task.task_id, tick()))!;
}

describe('checkpoints', () => {
  it('a new task has none, and nothing reused', async () => {
    const task = await tasks.create(makeTask());
    expect(await tasks.findById(task.task_id)).toMatchObject({ checkpoints: { route: null, agent: null }, reused_steps: [] });
  });

  it('reads a document stored before checkpoints existed as having none', async () => {
    const task = await tasks.create(makeTask());
    await db.raw.collection('tasks').updateOne({ task_id: task.task_id }, { $unset: { checkpoints: '', reused_steps: '' } });
    const raw = await db.raw.collection('tasks').findOne({ task_id: task.task_id });
    expect(raw).not.toHaveProperty('checkpoints');
    expect(await tasks.findById(task.task_id)).toMatchObject({ checkpoints: { route: null, agent: null }, reused_steps: [] });
  });

  it('stores the route then the agent checkpoint on a processing task, field by field', async () => {
    const task = await processing();
    const route = routeCheckpoint();
    const agent = agentCheckpoint();
    const at = tick();
    await tasks.saveCheckpoint(task.task_id, { step: 'route', checkpoint: { ...route, extra: 'never stored' } as RouteCheckpoint }, at);
    expect(await tasks.findById(task.task_id)).toMatchObject({ status: 'processing', updated_at: at, checkpoints: { route, agent: null } });
    await tasks.saveCheckpoint(task.task_id, { step: 'agent', checkpoint: agent }, tick());
    expect(await tasks.findById(task.task_id)).toMatchObject({ checkpoints: { route, agent } });
    const raw = await db.raw.collection('tasks').findOne({ task_id: task.task_id });
    expect(raw?.['checkpoints']?.route).not.toHaveProperty('extra');
  });

  it('stores nothing on a task that is not processing (finished elsewhere, or still queued)', async () => {
    const queued = await tasks.create(makeTask());
    await tasks.saveCheckpoint(queued.task_id, { step: 'route', checkpoint: routeCheckpoint() }, tick());
    expect(await tasks.findById(queued.task_id)).toMatchObject({ status: 'queued', updated_at: queued.updated_at, checkpoints: { route: null, agent: null } });
    const task = await processing();
    await tasks.complete(task.task_id, { result: { summary: null, raw_output: 'x', code_language: null, citations: [] }, usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] } }, tick());
    const completed = await tasks.findById(task.task_id);
    await tasks.saveCheckpoint(task.task_id, { step: 'agent', checkpoint: agentCheckpoint() }, tick());
    expect(await tasks.findById(task.task_id)).toMatchObject({ status: 'completed', updated_at: completed?.updated_at, checkpoints: { route: null, agent: null } });
  });

  it("keeps each task's own checkpoint when several tasks write theirs in one turn (one bulk write), a finished one among them", async () => {
    const running = await Promise.all([processing(), processing(), processing()]);
    const finished = await processing();
    await tasks.fail(finished.task_id, { error: { type: 'LLM_ERROR', message: 'provider hiccup' } }, tick());
    const routes = running.map(() => routeCheckpoint());
    const at = tick();
    await Promise.all([
      ...running.map((t, i) => tasks.saveCheckpoint(t.task_id, { step: 'route', checkpoint: routes[i]! }, at)),
      tasks.saveCheckpoint(finished.task_id, { step: 'route', checkpoint: routeCheckpoint() }, at),
    ]);
    for (const [i, t] of running.entries()) expect(await tasks.findById(t.task_id)).toMatchObject({ updated_at: at, checkpoints: { route: routes[i], agent: null } });
    expect(await tasks.findById(finished.task_id)).toMatchObject({ status: 'failed', checkpoints: { route: null, agent: null } });
  });

  it('marks a reused step once, in the order reused, only while processing', async () => {
    const task = await processing();
    await tasks.markStepReused(task.task_id, 'route', tick());
    await tasks.markStepReused(task.task_id, 'agent', tick());
    const again = await tasks.markStepReused(task.task_id, 'route', tick());
    expect(again?.reused_steps).toEqual(['route', 'agent']);
    const queued = await tasks.create(makeTask());
    expect(await tasks.markStepReused(queued.task_id, 'route', tick())).toBeNull();
  });

  it("keeps checkpoints across another worker's pickup, and a client's retry clears them (it starts over)", async () => {
    const task = await processing();
    await tasks.saveCheckpoint(task.task_id, { step: 'route', checkpoint: routeCheckpoint() }, tick());
    await tasks.markStepReused(task.task_id, 'route', tick());
    const picked = await tasks.markProcessing(task.task_id, tick());
    expect(picked).toMatchObject({ attempts: 2, reused_steps: ['route'] });
    expect(picked?.checkpoints.route).not.toBeNull();

    await tasks.fail(task.task_id, { error: { type: 'LLM_ERROR', message: 'provider hiccup' } }, tick());
    const requeued = await tasks.requeueFailed(task.task_id, { retryableTypes: ['LLM_ERROR'] }, tick());
    expect(requeued).toMatchObject({ status: 'queued', checkpoints: { route: null, agent: null }, reused_steps: [] });
    expect(await tasks.findById(task.task_id)).toMatchObject({ checkpoints: { route: null, agent: null }, reused_steps: [] });
  });

  it('rejects an unknown step', async () => {
    const task = await processing();
    await expect(tasks.saveCheckpoint(task.task_id, { step: 'deploy', checkpoint: routeCheckpoint() } as never, tick())).rejects.toMatchObject({ type: 'VALIDATION_ERROR' });
    await expect(tasks.markStepReused(task.task_id, 'deploy' as never, tick())).rejects.toMatchObject({ type: 'VALIDATION_ERROR' });
  });
});
