import { isUuidV4 } from '@agent-orchestrator/domain';
import { sanitizeRequestId } from './request-id.middleware';

describe('sanitizeRequestId', () => {
  const generate = () => 'generated';

  it.each([
    'abc',
    'A1.b2_c3:d4-e5',
    '3f2c1d8e-4b5a-4c3d-9e8f-0a1b2c3d4e5f',
    'r'.repeat(128),
    'trace:span.1',
  ])('keeps a safe id %s', (id) => {
    expect(sanitizeRequestId(id, generate)).toBe(id);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'r'.repeat(129)],
    ['with a space', 'a b'],
    ['with a newline (log injection)', 'abc\n{"level":"error"}'],
    ['with a carriage return', 'abc\rdef'],
    ['with a slash', 'a/b'],
    ['with quotes', '"abc"'],
    ['with non-ASCII characters', 'café'],
    ['several values joined by Node', 'a, b'],
    ['not a string', ['a']],
    ['a number', 42],
  ])('replaces an id that is %s', (_name, value) => {
    expect(sanitizeRequestId(value, generate)).toBe('generated');
  });

  it('generates a UUID v4 by default', () => {
    const id = sanitizeRequestId(undefined);
    expect(isUuidV4(id)).toBe(true);
    expect(sanitizeRequestId(undefined)).not.toBe(id);
  });
});
