import { newTask, type Task } from '@agent-orchestrator/domain';
import { presentTask } from './task.presenter';

const NOW = new Date('2030-01-02T03:04:05.678Z');

function completedTask(): Task {
  const task = newTask({
    task_id: '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f',
    session_id: 's1',
    task: 'Explain closures',
    metadata: { ip: '203.0.113.7', user_agent: 'jest', request_id: 'req-1', environment: 'test' },
    now: NOW,
  });
  return {
    ...task,
    status: 'completed',
    started_at: new Date('2030-01-02T03:04:06.000Z'),
    completed_at: new Date('2030-01-02T03:04:07.000Z'),
    selected_agent: 'CodeAgent',
    agent_type: 'code',
    agent_version: '0.1.0',
    peer_routing_reason: 'asks about code',
    confidence: 0.92,
    result: { summary: 's', raw_output: 'out', code_language: 'js', citations: [{ source: 'tavily', title: 't', url: 'https://example.com' }] },
    usage: {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost_usd: 0.001,
      by_model: [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.001 }],
    },
    attempts: 1,
  };
}

describe('presentTask', () => {
  it('presents every field with ISO dates', () => {
    const view = presentTask(completedTask());
    const { checkpoints: _internal, tenant_id: _tenant, ...fields } = completedTask();
    expect(view).toEqual({
      ...fields,
      created_at: '2030-01-02T03:04:05.678Z',
      queued_at: '2030-01-02T03:04:05.678Z',
      updated_at: '2030-01-02T03:04:05.678Z',
      started_at: '2030-01-02T03:04:06.000Z',
      completed_at: '2030-01-02T03:04:07.000Z',
      metadata: { ...completedTask().metadata, api_key_id: null },
    });
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
  });

  it("presents the reused steps, never the worker's checkpoints", () => {
    const task = completedTask();
    const resumed: Task = {
      ...task,
      reused_steps: ['route', 'agent'],
      checkpoints: {
        route: { decision: { status: 'routed', agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'r' }, model: 'gpt-4o-mini', usage: [], finished_at: NOW },
        agent: { agent_name: 'CodeAgent', agent_version: '0.1.0', model: 'gpt-4o-mini', output: { agent_name: 'CodeAgent', content: 'out', citations: [] }, usage: [], finished_at: NOW },
      },
    };
    const view = presentTask(resumed);
    expect(view.reused_steps).toEqual(['route', 'agent']);
    expect(view).not.toHaveProperty('checkpoints');
    expect(presentTask(task).reused_steps).toEqual([]);
  });

  it('shows the submitting API key id when there was one', () => {
    const task = completedTask();
    expect(presentTask({ ...task, metadata: { ...task.metadata, api_key_id: 'dashboard' } }).metadata.api_key_id).toBe('dashboard');
  });

  it('keeps nulls of a fresh task', () => {
    const view = presentTask(newTask({ task_id: 't', session_id: 's', task: 'x', metadata: completedTask().metadata, now: NOW }));
    expect(view).toMatchObject({ started_at: null, completed_at: null, result: null, error: null, selected_agent: null, confidence: null });
  });

  it('drops whatever a store adds, at every level', () => {
    const task = completedTask() as Task & Record<string, unknown>;
    const dirty = {
      ...task,
      _id: 'oid',
      __v: 0,
      metadata: { ...task.metadata, _id: 'm' },
      result: { ...task.result!, _id: 'r', citations: [{ ...task.result!.citations[0]!, _id: 'c' }] },
      error: { type: 'X', message: 'y', stack: 'at z' },
      usage: { ...task.usage, _id: 'u', by_model: [{ ...task.usage.by_model[0]!, _id: 'b' }] },
    } as unknown as Task;
    const json = JSON.stringify(presentTask(dirty));
    expect(json).not.toContain('"_id"');
    expect(json).not.toContain('__v');
    expect(json).not.toContain('stack');
  });

  it('turns an unreadable date into null instead of throwing', () => {
    const task = { ...completedTask(), started_at: new Date(Number.NaN) };
    expect(presentTask(task).started_at).toBeNull();
  });
});
