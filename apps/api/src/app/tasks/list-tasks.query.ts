/**
 * The query string of `GET /v1/tasks`: validation (every problem named, by
 * parameter) and the next page's link. The cursor itself is the ListTasks use case's
 * (@agent-orchestrator/tasks). Nothing here touches a store.
 */
import { TASK_STATUSES, ValidationError, isTaskStatus, type ErrorDetail } from '@agent-orchestrator/domain';
import type { TaskListQuery } from '@agent-orchestrator/persistence';
import { decodeCursor } from '@agent-orchestrator/tasks';
import { AGENT_TYPE_PATTERN, DEFAULT_TASK_PAGE_SIZE, LIST_TASKS_PARAMS, MAX_TASK_PAGE_SIZE, SESSION_ID_PATTERN } from '@agent-orchestrator/api-contract';

type Param = (typeof LIST_TASKS_PARAMS)[number];

/** The repository's query, plus what the next page's link needs. */
export interface ListTasksParams extends Omit<TaskListQuery, 'tenant_id'> {
  /** The filters exactly as the client sent them (valid ones only), for the next page's link. */
  filters: Partial<Record<Exclude<Param, 'limit' | 'cursor'>, string>>;
}

/**
 * Validates `req.query`. Every parameter must appear at most once, as a plain
 * string: arrays (`?status=a&status=b`) and objects (`?status[$ne]=x`, which a
 * `qs` parser would build) are refused, as are unknown parameters. All
 * problems are reported at once, each naming its parameter.
 * @throws ValidationError (400)
 */
export function parseListTasksQuery(query: unknown): ListTasksParams {
  const details: ErrorDetail[] = [];
  const raw: Partial<Record<Param, string>> = {};
  const entries = typeof query === 'object' && query !== null ? Object.entries(query as Record<string, unknown>) : [];

  for (const [name, value] of entries) {
    if (!(LIST_TASKS_PARAMS as readonly string[]).includes(name)) {
      details.push({ field: name, message: `unknown query parameter; allowed: ${LIST_TASKS_PARAMS.join(', ')}` });
    } else if (typeof value !== 'string') {
      details.push({ field: name, message: `${name} must be given once, as a plain value` });
    } else {
      raw[name as Param] = value;
    }
  }

  const params: ListTasksParams = { limit: DEFAULT_TASK_PAGE_SIZE, filters: {} };
  const bad = (field: Param, message: string) => details.push({ field, message });

  if (raw.status !== undefined) {
    if (isTaskStatus(raw.status)) params.status = raw.status;
    else bad('status', `status must be one of ${TASK_STATUSES.join(', ')}`);
  }
  if (raw.agent_type !== undefined) {
    if (AGENT_TYPE_PATTERN.test(raw.agent_type)) params.agent_type = raw.agent_type;
    else bad('agent_type', 'agent_type must be 1 to 64 characters from A-Z, a-z, 0-9, "_", "-" and "."');
  }
  if (raw.session_id !== undefined) {
    if (SESSION_ID_PATTERN.test(raw.session_id)) params.session_id = raw.session_id;
    else bad('session_id', 'session_id must be 1 to 128 characters from A-Z, a-z, 0-9, "_" and "-"');
  }
  for (const field of ['created_from', 'created_to'] as const) {
    const value = raw[field];
    if (value === undefined) continue;
    const date = parseIsoDate(value);
    if (date) params[field] = date;
    else bad(field, `${field} must be an ISO 8601 date (2025-01-31) or date-time with a time zone (2025-01-31T12:00:00Z, 2025-01-31T14:00:00+02:00)`);
  }
  if (params.created_from && params.created_to && params.created_from > params.created_to) {
    bad('created_to', 'created_to must not be before created_from');
  }
  if (raw.limit !== undefined) {
    const n = /^[0-9]{1,4}$/.test(raw.limit) ? Number(raw.limit) : Number.NaN;
    if (n >= 1 && n <= MAX_TASK_PAGE_SIZE) params.limit = n;
    else bad('limit', `limit must be an integer from 1 to ${MAX_TASK_PAGE_SIZE}`);
  }
  if (raw.cursor !== undefined) {
    const after = decodeCursor(raw.cursor);
    if (after) params.after = after;
    else bad('cursor', 'cursor is not one this API issued: pass next_cursor from the previous page unchanged');
  }

  if (details.length > 0) throw new ValidationError('The query parameters are invalid.', details);
  for (const field of ['status', 'agent_type', 'session_id', 'created_from', 'created_to'] as const) {
    if (raw[field] !== undefined) params.filters[field] = raw[field];
  }
  return params;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// A space stands for "+" too: an unencoded "+" in a query string arrives as a space.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+\- ])(\d{2}):(\d{2}))$/;

/**
 * A strict ISO 8601 / RFC 3339 parse: `YYYY-MM-DD` (midnight UTC) or a
 * date-time with `Z` or an offset. Local times without a zone are ambiguous and
 * refused, and so are impossible dates (2025-02-30) that `Date.parse` would
 * quietly roll over. Fractions beyond milliseconds are truncated.
 */
export function parseIsoDate(value: string): Date | null {
  const d = ISO_DATE.exec(value);
  if (d) {
    const [, y = '', mo = '', day = ''] = d;
    return utc(+y, +mo, +day, 0, 0, 0, 0, 0);
  }
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return null;
  // The regex guarantees the unconditional groups; the defaults only satisfy the type checker.
  const [, y = '', mo = '', day = '', h = '', mi = '', s = '0', frac = '0', zulu, sign, oh = '0', om = '0'] = m;
  const offsetHours = +oh;
  const offsetMinutes = +om;
  if (!zulu && (offsetHours > 23 || offsetMinutes > 59)) return null;
  const offset = zulu ? 0 : (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return utc(+y, +mo, +day, +h, +mi, +s, Number(frac.padEnd(3, '0').slice(0, 3)), offset);
}

function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, offsetMinutes: number): Date | null {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0);
  if (day > lastDay.getUTCDate()) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  date.setTime(date.getTime() - offsetMinutes * 60_000);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The relative URL of the next page: the same filters and limit, plus the cursor. */
export function nextPageLink(path: string, params: Pick<ListTasksParams, 'filters' | 'limit'>, cursor: string): string {
  const search = new URLSearchParams({ ...params.filters, limit: String(params.limit), cursor });
  return `${path}?${search.toString()}`;
}
