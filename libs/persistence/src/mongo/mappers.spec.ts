import { newTask, type AgentRun, type Message, type Task } from '@agent-orchestrator/domain';

import { toAgentRun, toMessage, toTask } from './mappers';

const now = new Date('2025-03-01T10:00:00.000Z');

function fullTask(): Task {
  return {
    ...newTask({
      task_id: 't-1',
      session_id: 's-1',
      task: 'Explain closures',
      metadata: { ip: null, user_agent: 'curl/8', request_id: 'r-1', environment: 'test' },
      now,
    }),
    status: 'completed',
    started_at: new Date('2025-03-01T10:00:01.000Z'),
    completed_at: new Date('2025-03-01T10:00:09.000Z'),
    selected_agent: 'CodeAgent',
    agent_type: 'code',
    agent_version: '1.2.3',
    peer_routing_reason: 'mentions code',
    confidence: 0.93,
    result: {
      summary: 'A closure captures variables.',
      raw_output: 'function f() {}',
      code_language: 'javascript',
      citations: [{ source: 'tavily', title: null, url: 'https://example.com' }],
    },
    usage: {
      prompt_tokens: 10,
      completion_tokens: 20,
      total_tokens: 30,
      cost_usd: 0.001,
      by_model: [{ model: 'gpt-4o-mini', prompt_tokens: 10, completion_tokens: 20, total_tokens: 30, cost_usd: 0.001 }],
    },
    attempts: 1,
  };
}

describe('toTask', () => {
  it('returns the domain object without _id or unknown fields', () => {
    const task = fullTask();
    const stored = { _id: 'oid', __v: 0, extra: 'x', ...task, result: { ...task.result, _id: 'sub' } };
    const mapped = toTask(stored);
    expect(mapped).toEqual(task);
    expect(mapped).not.toHaveProperty('_id');
    expect(mapped).not.toHaveProperty('extra');
    expect(mapped.result).not.toHaveProperty('_id');
  });

  it('returns fresh Date instances', () => {
    const task = fullTask();
    const mapped = toTask(task);
    expect(mapped.created_at).toBeInstanceOf(Date);
    expect(mapped.created_at).not.toBe(task.created_at);
    expect(mapped.created_at.getTime()).toBe(task.created_at.getTime());
  });

  it('fills domain defaults for fields an older document lacks', () => {
    const mapped = toTask({ task_id: 't', session_id: 's', task: 'x', status: 'queued', created_at: now, queued_at: now, updated_at: now });
    expect(mapped).toMatchObject({
      started_at: null,
      completed_at: null,
      selected_agent: null,
      agent_version: null,
      confidence: null,
      result: null,
      error: null,
      usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] },
      metadata: { ip: null, user_agent: null, request_id: '', environment: '' },
      attempts: 0,
    });
  });

  it('treats an unknown status as failed rather than leaking it', () => {
    expect(toTask({ status: 'weird' }).status).toBe('failed');
  });
});

describe('toAgentRun', () => {
  it('round-trips every field', () => {
    const run: AgentRun = {
      run_id: 'r1',
      task_id: 't1',
      session_id: 's1',
      kind: 'router',
      agent_name: 'PeerAgent',
      agent_version: '0.1.0',
      model: 'gpt-4o-mini',
      attempt: 1,
      input: 'in',
      output: null,
      outcome: 'failure',
      error: { type: 'LLM_ERROR', message: 'rate limited' },
      usage: [{ model: 'gpt-4o-mini', prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cost_usd: 0 }],
      prompt_tokens: 1,
      completion_tokens: 2,
      total_tokens: 3,
      cost_usd: 0,
      started_at: now,
      finished_at: new Date(now.getTime() + 250),
      duration_ms: 250,
    };
    expect(toAgentRun({ _id: 'x', ...run })).toEqual(run);
  });

  it('keeps an unknown cost (null) unknown, and reads a missing one as no cost', () => {
    const usage = { model: 'llama3.1:8b', prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cost_usd: null };
    const mapped = toAgentRun({ run_id: 'r', task_id: 't', session_id: 's', kind: 'agent', usage: [usage], prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, cost_usd: null });
    expect(mapped.cost_usd).toBeNull();
    expect(mapped.usage).toEqual([usage]);
    expect(toAgentRun({ run_id: 'r', task_id: 't', session_id: 's', kind: 'agent', usage: [{ model: 'm', prompt_tokens: 1 }] }).usage[0]!.cost_usd).toBe(0);
  });
});

describe('toMessage', () => {
  it('round-trips every field', () => {
    const message: Message = {
      message_id: 'm1',
      session_id: 's1',
      task_id: 't1',
      role: 'assistant',
      content: '',
      agent_name: 'ContentAgent',
      created_at: now,
    };
    expect(toMessage({ _id: 'x', ...message })).toEqual(message);
  });
});
