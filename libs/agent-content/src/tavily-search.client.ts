import { tavily } from '@tavily/core';
import type { TavilySettings } from './content.settings';
import type { SearchClient, SearchHit } from './search';
import { toSearchError } from './search-errors';

/**
 * Sent when only TAVILY_BASE_URL is set (a proxy or stub that needs no key).
 * Passing no key would make the SDK fall back to `process.env.TAVILY_API_KEY`
 * behind the agent's back; the agent reads its settings from `deps.settings` only.
 */
export const NO_KEY_PLACEHOLDER = 'not-needed';

/**
 * The Tavily search API through the official SDK. The SDK takes no AbortSignal,
 * so aborts are handled by the caller (the request then runs on until its
 * timeout); its `timeout` option is in seconds.
 */
export function createTavilySearchClient(settings: TavilySettings): SearchClient {
  const client = tavily({ apiKey: settings.apiKey ?? NO_KEY_PLACEHOLDER, apiBaseURL: settings.baseURL });
  return {
    source: 'tavily',
    async search(query: string): Promise<SearchHit[]> {
      let response: Awaited<ReturnType<typeof client.search>>;
      try {
        response = await client.search(query, {
          searchDepth: 'basic',
          topic: 'general',
          maxResults: settings.maxResults,
          includeAnswer: false,
          includeRawContent: false,
          includeImages: false,
          timeout: settings.timeoutMs / 1000,
        });
      } catch (err) {
        throw toSearchError(err, settings.apiKey);
      }
      return (response.results ?? [])
        .filter((r) => typeof r?.url === 'string' && r.url.trim() !== '')
        .map((r) => ({
          title: typeof r.title === 'string' && r.title.trim() ? r.title.trim() : r.url,
          url: r.url.trim(),
          content: typeof r.content === 'string' ? r.content : '',
          publishedDate: typeof r.publishedDate === 'string' && r.publishedDate ? r.publishedDate : null,
        }));
    },
  };
}
