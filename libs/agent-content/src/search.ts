// The search port ContentAgent depends on, and the fan-out over several queries.
import { OrchestratorError } from '@agent-orchestrator/domain';
import { abortError, callWithRetry, observeWebSearch, type AgentLogger, type CallPolicy, type WebSearchObserver } from '@agent-orchestrator/agents-core';
import { toSearchError } from './search-errors';

export interface SearchHit {
  title: string;
  url: string;
  /** The snippet the search engine returned for the query. */
  content: string;
  publishedDate: string | null;
}

/**
 * A web search backend. Implementations throw SearchError, `retryable` when
 * trying again may help; the agent adds retries and abort handling on top.
 */
export interface SearchClient {
  /** Stored as `Citation.source`, e.g. `tavily`. */
  readonly source: string;
  search(query: string, options: { signal?: AbortSignal }): Promise<SearchHit[]>;
}

/** The same backend, each request (each retry too) reported to the host's observer for its metrics. */
export function observedSearchClient(client: SearchClient, observer: WebSearchObserver | undefined, agent: string): SearchClient {
  if (!observer) return client;
  return {
    source: client.source,
    search: (query, options) => observeWebSearch(observer, { agent, source: client.source }, () => client.search(query, options)),
  };
}

/** Upper bound on sources put in the writing prompt, whatever the number of queries. */
export const MAX_SOURCES = 10;

/** Scheme, host and path (minus a trailing slash), query kept, fragment dropped: enough to spot the same page twice. */
export function normalizeUrl(url: string): string {
  const trimmed = url.trim();
  try {
    const u = new URL(trimmed);
    u.hash = '';
    u.pathname = u.pathname.replace(/\/+$/, '') || '/';
    return u.toString();
  } catch {
    return trimmed;
  }
}

/** Interleaves the queries' results (best of each first), drops repeated URLs and caps the total. */
export function mergeHits(perQuery: readonly (readonly SearchHit[])[], max = MAX_SOURCES): SearchHit[] {
  const seen = new Set<string>();
  const merged: SearchHit[] = [];
  const longest = Math.max(0, ...perQuery.map((hits) => hits.length));
  for (let i = 0; i < longest && merged.length < max; i++) {
    for (const hits of perQuery) {
      const hit = hits[i];
      if (!hit || !hit.url.trim()) continue;
      const key = normalizeUrl(hit.url);
      if (seen.has(key)) continue;
      seen.add(key);
      merged.push(hit);
      if (merged.length >= max) break;
    }
  }
  return merged;
}

/**
 * Retries of one web search query (agents-core's callWithRetry): quicker than
 * an LLM call's, no deadline of its own (the Tavily client has one), and
 * "equal" jitter so a retry never comes at once.
 */
export const DEFAULT_SEARCH_RETRY: CallPolicy = { maxRetries: 2, baseDelayMs: 300, maxDelayMs: 3_000, jitter: 'equal' };

export interface SearchAllOptions {
  signal?: AbortSignal;
  logger: AgentLogger;
  retry?: CallPolicy;
  maxSources?: number;
}

const asSearchError = (err: unknown): OrchestratorError => (err instanceof OrchestratorError ? err : toSearchError(err));

/**
 * Runs every query in parallel, each with bounded retries for transient
 * failures. Succeeds when at least one query does (failures of the others are
 * logged); fails with the first query's error when all fail.
 */
export async function searchAll(client: SearchClient, queries: readonly string[], options: SearchAllOptions): Promise<SearchHit[]> {
  const { signal, logger } = options;
  const what = 'Web search';
  const settled = await Promise.allSettled(
    queries.map((query) =>
      callWithRetry(what, (attemptSignal) => client.search(query, { signal: attemptSignal }), asSearchError, options.retry ?? DEFAULT_SEARCH_RETRY, signal, {
        abortError,
        onRetry: (err, retry, delayMs) => logger.warn('web search failed, retrying', { source: client.source, retry, delay_ms: delayMs, error: err.message }),
      }),
    ),
  );
  if (signal?.aborted) throw abortError(signal, what);
  const ok = settled.filter((s): s is PromiseFulfilledResult<SearchHit[]> => s.status === 'fulfilled').map((s) => s.value);
  const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => asSearchError(s.reason));
  const first = failed[0];
  if (ok.length === 0 && first) throw first;
  for (const err of failed) logger.warn('one web search query failed; writing with the others', { source: client.source, error: err.message });
  return mergeHits(ok, options.maxSources);
}
