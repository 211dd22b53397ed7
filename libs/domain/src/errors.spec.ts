import { ErrorType, LlmError, OrchestratorError, TimeoutError, UnknownTaskTypeError, toOrchestratorError } from './errors';
import { isUuidV4, newTask, isTerminalStatus } from './task';

describe('typed errors', () => {
  it('carry stable type strings', () => {
    expect(new UnknownTaskTypeError('x').type).toBe('UNKNOWN_TASK_TYPE');
    expect(new LlmError('x').type).toBe('LLM_ERROR');
    expect(new TimeoutError('x')).toMatchObject({ type: 'TIMEOUT', retryable: true, name: 'TimeoutError' });
    expect(Object.values(ErrorType)).toEqual(expect.arrayContaining(['UNKNOWN_TASK_TYPE', 'LLM_ERROR', 'LLM_NOT_CONFIGURED', 'SEARCH_ERROR', 'TIMEOUT', 'INTERNAL_ERROR']));
  });

  it('has the HTTP-only types the API answers with', () => {
    expect(ErrorType.UNAUTHORIZED).toBe('UNAUTHORIZED');
    expect(ErrorType.METHOD_NOT_ALLOWED).toBe('METHOD_NOT_ALLOWED');
    expect(new OrchestratorError(ErrorType.UNAUTHORIZED, 'no key')).toMatchObject({ type: 'UNAUTHORIZED', retryable: false });
  });

  it('maps unknown throwables to INTERNAL_ERROR and keeps typed ones', () => {
    const typed = new LlmError('bad');
    expect(toOrchestratorError(typed)).toBe(typed);
    const e = toOrchestratorError(new TypeError('boom'));
    expect(e).toBeInstanceOf(OrchestratorError);
    expect(e).toMatchObject({ type: 'INTERNAL_ERROR', message: 'boom' });
    expect(toOrchestratorError('text').message).toBe('text');
  });
});

describe('task helpers', () => {
  it('creates a queued task with empty results and usage', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const t = newTask({ task_id: 'id', session_id: 's', task: 'hi', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now });
    expect(t).toMatchObject({ status: 'queued', created_at: now, queued_at: now, updated_at: now, started_at: null, result: null, error: null, attempts: 0 });
    expect(t.usage).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] });
  });

  it('recognises UUID v4 and terminal states', () => {
    expect(isUuidV4('3f2b8c1e-9a4d-4f7b-8c2e-1d2e3f4a5b6c')).toBe(true);
    expect(isUuidV4('3f2b8c1e-9a4d-1f7b-8c2e-1d2e3f4a5b6c')).toBe(false);
    expect(isUuidV4({ $gt: '' })).toBe(false);
    expect(isTerminalStatus('completed')).toBe(true);
    expect(isTerminalStatus('processing')).toBe(false);
  });
});
