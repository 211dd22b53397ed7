import { DIRECT_QUERY_MAX_CHARS, MAX_QUERY_CHARS, directQuery, sanitizeQueries, shouldDeriveQueries } from './search-queries';

describe('shouldDeriveQueries', () => {
  it('searches a short one-line task directly', () => {
    expect(shouldDeriveQueries('Write a blog post about the history of the bicycle', [])).toBe(false);
  });

  it('plans queries for a long task, a multi-line task, or a follow-up', () => {
    expect(shouldDeriveQueries('a'.repeat(DIRECT_QUERY_MAX_CHARS + 1), [])).toBe(true);
    expect(shouldDeriveQueries('Write a report.\nCover costs and risks.', [])).toBe(true);
    expect(shouldDeriveQueries('Make it shorter', [{ role: 'user', content: 'Write about bees' }])).toBe(true);
  });
});

describe('directQuery', () => {
  it('collapses whitespace and caps the length', () => {
    expect(directQuery('  solar   power \t news ')).toBe('solar power news');
    expect(directQuery('x'.repeat(5000))).toHaveLength(MAX_QUERY_CHARS);
  });
});

describe('sanitizeQueries', () => {
  it('trims, drops empties and duplicates, keeps at most three', () => {
    expect(sanitizeQueries(['  bees  ', '', 'Bees', '"bee dance"', 'honey', 'pollination'], 'task')).toEqual(['bees', 'bee dance', 'honey']);
  });

  it('caps each query length', () => {
    expect(sanitizeQueries(['q'.repeat(1000)], 'task')[0]).toHaveLength(MAX_QUERY_CHARS);
  });

  it('falls back to the task when the model returns nothing usable', () => {
    expect(sanitizeQueries([' ', ''], 'Write about  bees')).toEqual(['Write about bees']);
  });
});
