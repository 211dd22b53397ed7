import { decodeCursor, encodeCursor } from './task-list-cursor';

const TASK_ID = '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f';

describe('cursor', () => {
  const position = { created_at: new Date('2030-05-06T07:08:09.010Z'), task_id: TASK_ID };

  it('round-trips a position as URL-safe text', () => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  const encode = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

  it.each<[string, string]>([
    ['not base64url', 'abc+/='],
    ['padding', `${encodeCursor(position)}=`],
    ['non-canonical trailing bits', `${encodeCursor(position).slice(0, -1)}${encodeCursor(position).endsWith('Q') ? 'R' : 'Q'}`],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['a JSON array', encode([1, 2])],
    ['another version', encode({ v: 2, c: 1, i: 'a' })],
    ['an extra key', encode({ v: 1, c: 1, i: 'a', status: 'queued' })],
    ['a missing key', encode({ v: 1, c: 1 })],
    ['a string time', encode({ v: 1, c: '2030-01-01', i: 'a' })],
    ['a fractional time', encode({ v: 1, c: 1.5, i: 'a' })],
    ['a time out of range', encode({ v: 1, c: 9e15, i: 'a' })],
    ['an operator id', encode({ v: 1, c: 1, i: { $gt: '' } })],
    ['an id with spaces', encode({ v: 1, c: 1, i: 'a b' })],
    ['an oversized cursor', 'A'.repeat(300)],
  ])('rejects %s', (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });

  it('refuses to encode an unreadable position', () => {
    expect(() => encodeCursor({ created_at: new Date(Number.NaN), task_id: TASK_ID })).toThrow();
  });
});
