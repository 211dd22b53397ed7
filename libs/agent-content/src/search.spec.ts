import { SearchError } from '@agent-orchestrator/domain';
import { noopLogger, type CallPolicy } from '@agent-orchestrator/agents-core';
import { mergeHits, normalizeUrl, searchAll, type SearchClient, type SearchHit } from './search';

const hit = (url: string): SearchHit => ({ title: url, url, content: '', publishedDate: null });
const fast: CallPolicy = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1, jitter: 'equal', random: () => 0 };

describe('normalizeUrl', () => {
  it('ignores host case, a trailing slash and the fragment, keeps the query', () => {
    expect(normalizeUrl(' https://Example.com/a/b/#x ')).toBe('https://example.com/a/b');
    expect(normalizeUrl('https://example.com/?q=1')).toBe('https://example.com/?q=1');
    expect(normalizeUrl('not a url')).toBe('not a url');
  });
});

describe('mergeHits', () => {
  it('interleaves the queries, drops repeated URLs and caps the total', () => {
    const merged = mergeHits([[hit('https://a/1'), hit('https://a/2'), hit('https://a/3')], [hit('https://a/1/'), hit('https://b/2')], []], 4);
    expect(merged.map((h) => h.url)).toEqual(['https://a/1', 'https://a/2', 'https://b/2', 'https://a/3']);
  });
});

describe('searchAll', () => {
  it('writes with the queries that succeeded when another fails for good', async () => {
    const warn = jest.fn();
    const client: SearchClient = {
      source: 'fake',
      search: async (q) => {
        if (q === 'bad') throw new SearchError('nope');
        return [hit(`https://x/${q}`)];
      },
    };
    const hits = await searchAll(client, ['good', 'bad'], { logger: { ...noopLogger, warn }, retry: fast });
    expect(hits.map((h) => h.url)).toEqual(['https://x/good']);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/query failed/), expect.objectContaining({ error: 'nope' }));
  });

  it('fails with a SearchError when every query fails, mapping raw errors', async () => {
    const client: SearchClient = {
      source: 'fake',
      search: async () => {
        throw new Error('Unauthorized: missing or invalid API key.');
      },
    };
    await expect(searchAll(client, ['a', 'b'], { logger: noopLogger, retry: fast })).rejects.toMatchObject({ type: 'SEARCH_ERROR', retryable: false });
  });
});
