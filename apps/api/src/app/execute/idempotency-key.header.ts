/**
 * The `Idempotency-Key` header of `POST /v1/agent/execute` (the use case, IdempotentSubmission,
 * is in @agent-orchestrator/tasks): its syntax, and the header that marks a replayed answer.
 */
import { ValidationError } from '@agent-orchestrator/domain';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PATTERN } from '@agent-orchestrator/api-contract';

/** The header's value, undefined when absent. @throws ValidationError (400) naming the header when malformed. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(value)) {
    throw new ValidationError(`${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 printable ASCII characters.`, [
      { field: IDEMPOTENCY_KEY_HEADER, message: `${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 printable ASCII characters` },
    ]);
  }
  return value;
}
