import type { TaskSummary } from '@agent-orchestrator/persistence';
import { TASK_PREVIEW_LENGTH } from '@agent-orchestrator/api-contract';
import { presentTaskSummary, preview } from './task-summary.presenter';

const summary: TaskSummary = {
  task_id: 't1',
  session_id: 's1',
  task: 'Explain closures',
  status: 'completed',
  created_at: new Date('2030-01-02T03:04:05.678Z'),
  queued_at: new Date('2030-01-02T03:04:05.678Z'),
  started_at: new Date('2030-01-02T03:04:06.000Z'),
  completed_at: new Date('2030-01-02T03:04:07.000Z'),
  updated_at: new Date('2030-01-02T03:04:07.000Z'),
  selected_agent: 'CodeAgent',
  agent_type: 'code',
  agent_version: '1.0.0',
  confidence: 0.9,
  error: null,
  result_summary: 'A closure captures variables.',
  usage: { total_tokens: 15, cost_usd: 0.001 },
};

describe('presentTaskSummary', () => {
  it('presents the summary with ISO dates and the whole short task', () => {
    expect(presentTaskSummary(summary)).toEqual({
      task_id: 't1',
      session_id: 's1',
      status: 'completed',
      task_preview: 'Explain closures',
      task_truncated: false,
      selected_agent: 'CodeAgent',
      agent_type: 'code',
      agent_version: '1.0.0',
      confidence: 0.9,
      created_at: '2030-01-02T03:04:05.678Z',
      queued_at: '2030-01-02T03:04:05.678Z',
      started_at: '2030-01-02T03:04:06.000Z',
      completed_at: '2030-01-02T03:04:07.000Z',
      updated_at: '2030-01-02T03:04:07.000Z',
      result_summary: 'A closure captures variables.',
      error: null,
      usage: { total_tokens: 15, cost_usd: 0.001 },
    });
  });

  it('shortens a long task and says so', () => {
    const view = presentTaskSummary({ ...summary, task: 'x'.repeat(5000) });
    expect(view.task_preview).toBe('x'.repeat(TASK_PREVIEW_LENGTH));
    expect(view.task_truncated).toBe(true);
  });

  it('copies the error field by field', () => {
    const error = { type: 'LLM_ERROR', message: 'boom', stack: 'at x' } as unknown as TaskSummary['error'];
    expect(presentTaskSummary({ ...summary, status: 'failed', error }).error).toEqual({ type: 'LLM_ERROR', message: 'boom' });
  });
});

describe('preview', () => {
  it('counts characters, not UTF-16 units, and never splits a surrogate pair', () => {
    const emoji = '😀'.repeat(5);
    expect(preview(emoji, 3)).toEqual({ text: '😀😀😀', truncated: true });
    expect(preview(emoji, 5)).toEqual({ text: emoji, truncated: false });
  });

  it('keeps a text of exactly the maximum length whole', () => {
    expect(preview('abc', 3)).toEqual({ text: 'abc', truncated: false });
    expect(preview('', 3)).toEqual({ text: '', truncated: false });
  });
});
