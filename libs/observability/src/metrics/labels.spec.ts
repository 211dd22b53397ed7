import { findSamples, parseExposition } from './exposition-text';
import { BoundedLabel, OTHER_METHOD, OTHER_VALUE, methodLabel, statusLabel } from './labels';

describe('metric labels', () => {
  it('keeps standard HTTP methods (upper-cased) and clamps the rest to OTHER', () => {
    expect(['get', 'POST', 'Delete', 'OPTIONS', 'HEAD', 'PUT', 'PATCH'].map(methodLabel)).toEqual(['GET', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PUT', 'PATCH']);
    expect(['PROPFIND', 'TRACE', 'CONNECT', 'x'.repeat(500)].map(methodLabel)).toEqual([OTHER_METHOD, OTHER_METHOD, OTHER_METHOD, OTHER_METHOD]);
  });

  it('keeps three-digit status codes only', () => {
    expect([200, 404, 599, 100].map(statusLabel)).toEqual(['200', '404', '599', '100']);
    expect([0, 99, 600, 200.5, Number.NaN].map(statusLabel)).toEqual(Array(5).fill(OTHER_VALUE));
  });

  it('keeps values as given up to the limit, then maps new ones to "other"', () => {
    const label = new BoundedLabel(3);
    expect(['a', 'b', 'c'].map((v) => label.value(v))).toEqual(['a', 'b', 'c']);
    expect(label.value('d')).toBe(OTHER_VALUE);
    expect(label.value('gpt-x-' + 'z'.repeat(10))).toBe(OTHER_VALUE);
    // values seen before the limit keep their series
    expect(label.value('b')).toBe('b');
  });

  it('never grows past its limit however many distinct values arrive', () => {
    const label = new BoundedLabel(50);
    const out = new Set(Array.from({ length: 10_000 }, (_, i) => label.value(`model-${i}`)));
    expect(out.size).toBe(51); // 50 kept + "other"
    expect(out.has(OTHER_VALUE)).toBe(true);
  });

  it('uses the fallback for empty or non-string values and cuts very long ones', () => {
    const label = new BoundedLabel(10, 'none', 8);
    expect(label.value(null)).toBe('none');
    expect(label.value(undefined)).toBe('none');
    expect(label.value('  ')).toBe('none');
    expect(label.value(42)).toBe('none');
    expect(label.value('abcdefghijkl')).toBe('abcdefgh');
  });
});

describe('parseExposition', () => {
  it('reads names, labels in any order, escaped values and numbers', () => {
    const text = '# HELP x An x.\n# TYPE x counter\nx{service="w",a="q\\"uote"} 3\nx_bucket{le="+Inf",service="w"} 2\nplain 1.5e-3\n';
    expect(parseExposition(text)).toEqual([
      { name: 'x', labels: { service: 'w', a: 'q"uote' }, value: 3 },
      { name: 'x_bucket', labels: { le: '+Inf', service: 'w' }, value: 2 },
      { name: 'plain', labels: {}, value: 0.0015 },
    ]);
    expect(findSamples(text, 'x', { a: 'q"uote' })).toHaveLength(1);
    expect(findSamples(text, 'x', { a: 'other' })).toEqual([]);
  });
});
