import { ErrorType, OrchestratorError, ServiceUnavailableError, toOrchestratorError } from '@agent-orchestrator/domain';

/**
 * What a failed database call becomes for the caller: an unreachable database is a
 * ServiceUnavailableError with `publicMessage` (HTTP 503); anything else the store throws
 * (including its own VALIDATION_ERRORs about records we built) is a bug, so INTERNAL_ERROR.
 */
export function storeError(err: unknown, publicMessage: string): OrchestratorError {
  if (toOrchestratorError(err).type === ErrorType.SERVICE_UNAVAILABLE) {
    return new ServiceUnavailableError(publicMessage, { cause: err });
  }
  return new OrchestratorError(ErrorType.INTERNAL_ERROR, err instanceof Error ? err.message : String(err), { cause: err });
}

/** `work()`, its failure mapped by storeError. */
export async function fromStore<T>(work: () => Promise<T>, publicMessage: string): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw storeError(err, publicMessage);
  }
}
