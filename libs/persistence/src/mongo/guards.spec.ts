import { ValidationError } from '@agent-orchestrator/domain';

import { dateArg, idArg, limitArg, MAX_LIST_LIMIT } from './guards';

describe('idArg', () => {
  it('accepts strings, including empty ones', () => {
    expect(idArg('abc', 'taskId')).toBe('abc');
    expect(idArg('', 'taskId')).toBe('');
  });

  it.each([[{ $gt: '' }], [{ $ne: null }], [['a']], [42], [null], [undefined], [new Date()]])('rejects %p', (value) => {
    expect(() => idArg(value, 'taskId')).toThrow(ValidationError);
  });
});

describe('dateArg', () => {
  it('accepts a valid Date', () => {
    const d = new Date();
    expect(dateArg(d, 'now')).toBe(d);
  });

  it.each([[new Date('nope')], ['2025-01-01'], [Date.now()], [null]])('rejects %p', (value) => {
    expect(() => dateArg(value, 'now')).toThrow(ValidationError);
  });
});

describe('limitArg', () => {
  it('caps large limits', () => {
    expect(limitArg(5)).toBe(5);
    expect(limitArg(0)).toBe(0);
    expect(limitArg(10 ** 9)).toBe(MAX_LIST_LIMIT);
  });

  it.each([[-1], [1.5], [Number.NaN], ['10'], [{ $gt: 0 }]])('rejects %p', (value) => {
    expect(() => limitArg(value)).toThrow(ValidationError);
  });
});
