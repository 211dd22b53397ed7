import { ErrorType } from './errors';
import type { TaskError } from './task';

/**
 * Which failures a client may retry with `POST /v1/tasks/{task_id}/retry`.
 *
 * The rule: a failure is retryable when running the same task again, unchanged,
 * can reasonably succeed, because the cause was outside the task (a slow or
 * failing LLM or search provider, an unreachable dependency, a crash). Failures
 * that the same input will hit again are permanent: no agent fits the task
 * (UNKNOWN_TASK_TYPE), no LLM is configured (LLM_NOT_CONFIGURED), the task's
 * budget ran out (BUDGET_EXCEEDED), or a client cancelled it (CANCELLED). Any
 * type not listed here is permanent too, so a new error type is never retried
 * by accident.
 */
export const RETRYABLE_TASK_ERROR_TYPES: readonly ErrorType[] = [
  ErrorType.TIMEOUT,
  ErrorType.LLM_ERROR,
  ErrorType.SEARCH_ERROR,
  ErrorType.SERVICE_UNAVAILABLE,
  ErrorType.INTERNAL_ERROR,
];

export function isRetryableTaskError(error: Pick<TaskError, 'type'> | null | undefined): boolean {
  return error !== null && error !== undefined && (RETRYABLE_TASK_ERROR_TYPES as readonly string[]).includes(error.type);
}
