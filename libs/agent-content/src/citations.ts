// Step (d): which sources the text actually cites.
import type { Citation } from '@agent-orchestrator/domain';
import { normalizeUrl, type SearchHit } from './search';

export interface CitedText {
  /** The text with its markers renumbered 1..k in order of first appearance. */
  content: string;
  /** Exactly the cited sources, one per URL; `citations[n - 1]` is what `[n]` in `content` points at. */
  citations: Citation[];
}

// Fenced blocks and inline code spans: brackets in there are code (`xs[1]`), never citations.
const CODE = /(```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]+`)/g;
// `[1]`, `[2, 5]`; not a Markdown link (`[1](...)`) nor a footnote (`[^1]`).
const MARKER = /\[\s*(\d{1,3}(?:\s*,\s*\d{1,3})*)\s*\](?!\()/g;

/**
 * Finds the `[n]` markers that point at a source, renumbers them in order of
 * first appearance (so the returned list lines up with the text) and returns
 * only the sources cited. Sources sharing a URL share a number. A marker with
 * a number outside the list is left untouched: it may be an ordinary bracketed
 * number, and it is not a citation. No marker means no citations: the list
 * never claims support the text does not show.
 */
export function extractCitations(text: string, sources: readonly SearchHit[], sourceName: string): CitedText {
  const numberByUrl = new Map<string, number>();
  const citations: Citation[] = [];

  const renumber = (_match: string, list: string): string => {
    const olds = list.split(',').map((n) => Number(n.trim()));
    if (olds.some((n) => n < 1 || n > sources.length)) return _match;
    const news: number[] = [];
    for (const old of olds) {
      const source = sources[old - 1] as SearchHit;
      const key = normalizeUrl(source.url);
      let n = numberByUrl.get(key);
      if (n === undefined) {
        citations.push({ source: sourceName, title: source.title.trim() || null, url: source.url });
        n = citations.length;
        numberByUrl.set(key, n);
      }
      if (!news.includes(n)) news.push(n);
    }
    return `[${news.join(', ')}]`;
  };

  const content = text
    .split(CODE)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(MARKER, renumber)))
    .join('');
  return { content, citations };
}
