import { ErrorType, OrchestratorError, toOrchestratorError } from '@agent-orchestrator/domain';
import { ApiError } from './http-error';

/**
 * What a failed database call becomes for the HTTP layer: an unreachable
 * database is a 503 with `publicMessage`; anything else the store throws
 * (including its own VALIDATION_ERRORs about records we built) is a bug, so 500.
 */
export function storeError(err: unknown, publicMessage: string): OrchestratorError {
  if (toOrchestratorError(err).type === ErrorType.SERVICE_UNAVAILABLE) {
    return new ApiError(ErrorType.SERVICE_UNAVAILABLE, publicMessage, { cause: err, retryable: true });
  }
  return new OrchestratorError(ErrorType.INTERNAL_ERROR, err instanceof Error ? err.message : String(err), { cause: err });
}
