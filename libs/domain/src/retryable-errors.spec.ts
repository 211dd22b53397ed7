import { ErrorType } from './errors';
import { RETRYABLE_TASK_ERROR_TYPES, isRetryableTaskError } from './retryable-errors';

describe('isRetryableTaskError', () => {
  it.each(['TIMEOUT', 'LLM_ERROR', 'SEARCH_ERROR', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR'])('retries %s (transient)', (type) => {
    expect(isRetryableTaskError({ type })).toBe(true);
  });

  it.each(['UNKNOWN_TASK_TYPE', 'LLM_NOT_CONFIGURED', 'BUDGET_EXCEEDED', 'CANCELLED', 'VALIDATION_ERROR', 'SOMETHING_NEW'])('does not retry %s (permanent or unknown)', (type) => {
    expect(isRetryableTaskError({ type })).toBe(false);
  });

  it('does not retry a task without an error', () => {
    expect(isRetryableTaskError(null)).toBe(false);
    expect(isRetryableTaskError(undefined)).toBe(false);
  });

  it('lists only existing error types', () => {
    expect(RETRYABLE_TASK_ERROR_TYPES.every((t) => Object.values(ErrorType).includes(t))).toBe(true);
  });
});
