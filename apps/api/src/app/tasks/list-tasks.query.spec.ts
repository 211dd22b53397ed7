import { ValidationError } from '@agent-orchestrator/domain';
import { encodeCursor } from '@agent-orchestrator/tasks';
import { DEFAULT_TASK_PAGE_SIZE } from '@agent-orchestrator/api-contract';
import { nextPageLink, parseIsoDate, parseListTasksQuery } from './list-tasks.query';

function rejects(query: unknown): { field?: string; message: string }[] {
  try {
    parseListTasksQuery(query);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).details ?? [];
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

const TASK_ID = '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';

describe('parseListTasksQuery', () => {
  it('defaults to the first page of 20 with no filter', () => {
    expect(parseListTasksQuery({})).toEqual({ limit: DEFAULT_TASK_PAGE_SIZE, filters: {} });
    expect(parseListTasksQuery(undefined)).toEqual({ limit: 20, filters: {} });
  });

  it('reads every parameter', () => {
    const cursor = encodeCursor({ created_at: new Date('2030-01-01T00:00:00.123Z'), task_id: TASK_ID });
    const q = {
      status: 'completed',
      agent_type: 'code',
      session_id: 'sess_1-A',
      created_from: '2030-01-01',
      created_to: '2030-01-02T12:30:00+02:00',
      limit: '100',
      cursor,
    };
    expect(parseListTasksQuery(q)).toEqual({
      status: 'completed',
      agent_type: 'code',
      session_id: 'sess_1-A',
      created_from: new Date('2030-01-01T00:00:00.000Z'),
      created_to: new Date('2030-01-02T10:30:00.000Z'),
      limit: 100,
      after: { created_at: new Date('2030-01-01T00:00:00.123Z'), task_id: TASK_ID },
      filters: { status: 'completed', agent_type: 'code', session_id: 'sess_1-A', created_from: '2030-01-01', created_to: '2030-01-02T12:30:00+02:00' },
    });
  });

  it.each(['queued', 'processing', 'completed', 'failed'])('accepts status=%s', (status) => {
    expect(parseListTasksQuery({ status }).status).toBe(status);
  });

  it('accepts created_from equal to created_to (an empty range)', () => {
    const p = parseListTasksQuery({ created_from: '2030-01-01T00:00:00Z', created_to: '2030-01-01T00:00:00Z' });
    expect(p.created_from).toEqual(p.created_to);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown status', { status: 'done' }, 'status'],
    ['an empty status', { status: '' }, 'status'],
    ['a status in another case', { status: 'Completed' }, 'status'],
    ['an agent_type with spaces', { agent_type: 'code agent' }, 'agent_type'],
    ['an agent_type too long', { agent_type: 'a'.repeat(65) }, 'agent_type'],
    ['a session_id with a slash', { session_id: 'a/b' }, 'session_id'],
    ['a session_id too long', { session_id: 'a'.repeat(129) }, 'session_id'],
    ['a malformed created_from', { created_from: 'yesterday' }, 'created_from'],
    ['an impossible date', { created_from: '2025-02-30' }, 'created_from'],
    ['a date-time without a zone', { created_from: '2025-01-01T10:00:00' }, 'created_from'],
    ['an hour 24', { created_to: '2025-01-01T24:00:00Z' }, 'created_to'],
    ['a bad offset', { created_to: '2025-01-01T10:00:00+24:00' }, 'created_to'],
    ['a Unix timestamp', { created_to: '1735689600' }, 'created_to'],
    ['created_to before created_from', { created_from: '2025-01-02', created_to: '2025-01-01' }, 'created_to'],
    ['limit 0', { limit: '0' }, 'limit'],
    ['limit 101', { limit: '101' }, 'limit'],
    ['a negative limit', { limit: '-1' }, 'limit'],
    ['a fractional limit', { limit: '1.5' }, 'limit'],
    ['a limit with spaces', { limit: ' 5' }, 'limit'],
    ['a hex limit', { limit: '0x10' }, 'limit'],
    ['an empty limit', { limit: '' }, 'limit'],
    ['an unknown parameter', { page: '2' }, 'page'],
    ['a bracketed operator parameter', { 'status[$ne]': 'queued' }, 'status[$ne]'],
    ['a repeated parameter', { status: ['queued', 'failed'] }, 'status'],
    ['an object value (extended parser)', { status: { $ne: 'queued' } }, 'status'],
    ['a garbage cursor', { cursor: 'not a cursor!' }, 'cursor'],
    ['an empty cursor', { cursor: '' }, 'cursor'],
  ])('rejects %s naming the parameter', (_name, query, field) => {
    const details = rejects(query);
    expect(details).toContainEqual({ field, message: expect.any(String) });
  });

  it('reports every bad parameter at once', () => {
    const details = rejects({ status: 'x', limit: '0', foo: '1', cursor: 'zz' });
    expect(details.map((d) => d.field).sort()).toEqual(['cursor', 'foo', 'limit', 'status']);
  });
});

describe('parseIsoDate', () => {
  it.each([
    ['2025-01-31', '2025-01-31T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2025-01-31T12:00Z', '2025-01-31T12:00:00.000Z'],
    ['2025-01-31T12:00:05Z', '2025-01-31T12:00:05.000Z'],
    ['2025-01-31T12:00:05.1Z', '2025-01-31T12:00:05.100Z'],
    ['2025-01-31T12:00:05.123456789Z', '2025-01-31T12:00:05.123Z'],
    ['2025-01-31T14:00:00+02:00', '2025-01-31T12:00:00.000Z'],
    ['2025-01-31T14:00:00 02:00', '2025-01-31T12:00:00.000Z'],
    ['2025-01-31T00:30:00-01:30', '2025-01-31T02:00:00.000Z'],
    ['0050-06-01', '0050-06-01T00:00:00.000Z'],
  ])('%s is %s', (input, iso) => {
    expect(parseIsoDate(input)?.toISOString()).toBe(iso);
  });

  it.each([
    '2025-1-31',
    '2025-13-01',
    '2023-02-29',
    '2025-04-31',
    '2025-01-31T12:60:00Z',
    '2025-01-31T12:00:60Z',
    '2025-01-31 12:00:00Z',
    '2025-01-31T12:00:00z',
    '+002025-01-01',
    ' 2025-01-01',
  ])('refuses %s', (input) => {
    expect(parseIsoDate(input)).toBeNull();
  });
});

describe('nextPageLink', () => {
  it('keeps the filters and limit and adds the cursor, URL-encoded', () => {
    const cursor = encodeCursor({ created_at: new Date('2030-01-01T00:00:00Z'), task_id: TASK_ID });
    const link = nextPageLink('/v1/tasks', { filters: { status: 'failed', created_from: '2030-01-01T00:00:00+02:00' }, limit: 5 }, cursor);
    expect(link).toBe(`/v1/tasks?status=failed&created_from=2030-01-01T00%3A00%3A00%2B02%3A00&limit=5&cursor=${cursor}`);
    const parsed = parseListTasksQuery(Object.fromEntries(new URL(link, 'http://x').searchParams));
    expect(parsed).toMatchObject({ status: 'failed', limit: 5, after: { task_id: TASK_ID } });
    expect(parsed.created_from?.toISOString()).toBe('2029-12-31T22:00:00.000Z');
  });
});
