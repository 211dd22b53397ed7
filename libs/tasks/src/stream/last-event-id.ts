import { ValidationError } from '@agent-orchestrator/domain';

/**
 * Where a stream resumes: the `Last-Event-ID` header wins over the `last_event_id` query
 * parameter (for clients that cannot set headers); neither means from the start (0).
 * @throws ValidationError naming the field when the value is not a decimal integer of 1 to 15 digits
 */
export function parseLastEventId(header: unknown, query: unknown): number {
  const [field, value] = header !== undefined && header !== '' ? ['Last-Event-ID', header] : ['last_event_id', query];
  if (value === undefined || value === '') return 0;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw new ValidationError(`${field} must be the id of an event of this stream (a decimal integer).`, [{ field, message: 'expected a decimal integer of 1 to 15 digits' }]);
  }
  return Number(value);
}
