import { ValidationError } from '@agent-orchestrator/domain';

/** One resume position: absent or empty is none; otherwise a decimal integer of 1 to 15 digits. */
function parseOne(field: 'Last-Event-ID' | 'last_event_id', value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw new ValidationError(`${field} must be the id of an event of this stream (a decimal integer).`, [{ field, message: 'expected a decimal integer of 1 to 15 digits' }]);
  }
  return Number(value);
}

/**
 * Where a stream resumes: the `Last-Event-ID` header wins over the `last_event_id` query
 * parameter (for clients that cannot set headers); neither means from the start (0). Both are
 * checked when both are sent, so a malformed one is refused even when the other decides.
 * @throws ValidationError naming the field when a value is not a decimal integer of 1 to 15 digits
 */
export function parseLastEventId(header: unknown, query: unknown): number {
  const fromHeader = parseOne('Last-Event-ID', header);
  const fromQuery = parseOne('last_event_id', query);
  return fromHeader ?? fromQuery ?? 0;
}
