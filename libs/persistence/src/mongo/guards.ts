/**
 * Input checks for values that end up in query filters. A filter built from an
 * object instead of a string (`{ $gt: '' }`) would match other people's
 * records, so anything that is not exactly what the contract says is refused
 * before it reaches the driver.
 */
import { ValidationError } from '@agent-orchestrator/domain';

export const MAX_LIST_LIMIT = 1000;

/** A plain string id (task_id, session_id, ...). Non-strings throw; they are never coerced. */
export function idArg(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new ValidationError(`${field} must be a string`, [{ field, message: `expected a string, got ${describe(value)}` }]);
  }
  return String(value);
}

/** A valid Date (not `Invalid Date`, not a string). */
export function dateArg(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(`${field} must be a valid Date`, [{ field, message: `expected a Date, got ${describe(value)}` }]);
  }
  return value;
}

/** A non-negative integer, capped at MAX_LIST_LIMIT so one call can never read a whole collection. */
export function limitArg(value: unknown, field = 'limit'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ValidationError(`${field} must be a non-negative integer`, [{ field, message: `got ${describe(value)}` }]);
  }
  return Math.min(value, MAX_LIST_LIMIT);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : 'a Date';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
