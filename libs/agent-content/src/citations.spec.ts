import { extractCitations } from './citations';
import type { SearchHit } from './search';

const hit = (n: number, url = `https://example.com/${n}`): SearchHit => ({ title: `Title ${n}`, url, content: `content ${n}`, publishedDate: null });
const sources = [hit(1), hit(2), hit(3), hit(4)];

describe('extractCitations', () => {
  it('returns only the sources the text cites, renumbered in order of first appearance', () => {
    const r = extractCitations('Bees dance [3]. Honey keeps [1]. Again [3].', sources, 'tavily');
    expect(r.content).toBe('Bees dance [1]. Honey keeps [2]. Again [1].');
    expect(r.citations).toEqual([
      { source: 'tavily', title: 'Title 3', url: 'https://example.com/3' },
      { source: 'tavily', title: 'Title 1', url: 'https://example.com/1' },
    ]);
  });

  it('handles adjacent and comma-separated markers', () => {
    const r = extractCitations('A [2][4]. B [4, 2]. C [ 1 ,2 ].', sources, 'tavily');
    expect(r.content).toBe('A [1][2]. B [2, 1]. C [3, 1].');
    expect(r.citations.map((c) => c.url)).toEqual(['https://example.com/2', 'https://example.com/4', 'https://example.com/1']);
  });

  it('dedupes sources that share a URL (ignoring a trailing slash and fragment)', () => {
    const dup = [hit(1, 'https://example.com/a'), hit(2, 'https://EXAMPLE.com/a/#part'), hit(3)];
    const r = extractCitations('X [1]. Y [2]. Z [1, 2] and [3].', dup, 'tavily');
    expect(r.citations).toHaveLength(2);
    expect(r.content).toBe('X [1]. Y [1]. Z [1] and [2].');
  });

  it('returns no citations when the text cites nothing', () => {
    const r = extractCitations('A plain text without markers.', sources, 'tavily');
    expect(r).toEqual({ content: 'A plain text without markers.', citations: [] });
  });

  it('leaves markers outside the source list untouched and does not cite them', () => {
    const r = extractCitations('Real [2]; unknown [9]; mixed [1, 7]; year [2024].', sources, 'tavily');
    expect(r.content).toBe('Real [1]; unknown [9]; mixed [1, 7]; year [2024].');
    expect(r.citations.map((c) => c.title)).toEqual(['Title 2']);
  });

  it('ignores brackets in code, Markdown links and footnotes', () => {
    const text = ['Use `xs[1]` [4].', '```python', 'print(xs[2])', '```', 'See [1](https://x.y) and [^3].'].join('\n');
    const r = extractCitations(text, sources, 'tavily');
    expect(r.content).toBe(text.replace('[4]', '[1]'));
    expect(r.citations.map((c) => c.title)).toEqual(['Title 4']);
  });

  it('cites nothing when there are no sources', () => {
    expect(extractCitations('Claim [1].', [], 'tavily')).toEqual({ content: 'Claim [1].', citations: [] });
  });

  it('uses null for an empty title', () => {
    const r = extractCitations('X [1]', [{ ...hit(1), title: '  ' }], 'tavily');
    expect(r.citations[0]).toEqual({ source: 'tavily', title: null, url: 'https://example.com/1' });
  });
});
