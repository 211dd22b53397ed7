import {
  invokeStructured,
  invokeText,
  throwIfAborted,
  type Agent,
  type AgentContext,
  type AgentDeps,
  type AgentInput,
  type AgentLogger,
  type AgentRunResult,
  type CallPolicy,
  type LlmProvider,
  recentHistory,
} from '@agent-orchestrator/agents-core';
import { SearchError, type ModelUsage } from '@agent-orchestrator/domain';
import { extractCitations } from './citations';
import { buildQueryMessages, buildWriterMessages } from './content.prompt';
import { parseContentSettings, type ContentSettings } from './content.settings';
import { DEFAULT_SEARCH_RETRY, observedSearchClient, searchAll, type SearchClient, type SearchHit } from './search';
import { SEARCH_QUERIES_SCHEMA_NAME, directQuery, sanitizeQueries, searchQueriesSchema, shouldDeriveQueries } from './search-queries';
import { createTavilySearchClient } from './tavily-search.client';
import { CONTENT_AGENT_NAME, contentAgentVersion } from './version';

export const SEARCH_NOT_CONFIGURED_MESSAGE = 'web search is not configured: set TAVILY_API_KEY';

/**
 * Test seams, not part of the package's contract: a fake search backend
 * (`null` = not configured) and a faster retry policy.
 * @internal
 */
export interface ContentAgentInternals {
  search?: SearchClient | null;
  retry?: CallPolicy;
}

/** First heading, else first sentence, of a Markdown text; for the task listing. */
function headline(content: string): string {
  const heading = /^#{1,6}\s+(.+)$/m.exec(content)?.[1];
  const firstLine = content.split('\n').find((l) => l.trim() !== '') ?? '';
  const sentence = (heading ?? firstLine.split(/(?<=[.!?])\s/)[0] ?? '').replace(/[*_`#]/g, '').trim();
  return sentence.length > 140 ? `${sentence.slice(0, 139)}…` : sentence;
}

function summarize(content: string, found: number, cited: number): string {
  const sourcing =
    found === 0
      ? 'The web search found no sources, so it was written without citations.'
      : cited === 0
        ? `Written after consulting ${found} web source${found === 1 ? '' : 's'}, none of them cited.`
        : `Cites ${cited} of ${found} web source${found === 1 ? '' : 's'} consulted.`;
  const title = headline(content);
  if (!title) return sourcing;
  return `${title}${/[.!?:]$/.test(title) ? '' : '.'} ${sourcing}`;
}

/**
 * Long-form writing grounded in web search: (a) plan 1–3 queries, (b) search
 * them, (c) write with the numbered sources, (d) keep only the cited ones.
 */
export class ContentAgent implements Agent {
  readonly name = CONTENT_AGENT_NAME;
  readonly version: string;
  private readonly settings: ContentSettings;
  private readonly llm: LlmProvider;
  private readonly logger: AgentLogger;
  private readonly search: SearchClient | null;
  private readonly retry: CallPolicy;

  /** Throws ConfigError when a setting is invalid. A missing TAVILY_API_KEY is not one (see README). */
  constructor(deps: AgentDeps, internals: ContentAgentInternals = {}) {
    this.settings = parseContentSettings(deps.settings);
    this.version = contentAgentVersion();
    this.llm = deps.llm;
    this.logger = deps.logger;
    this.retry = internals.retry ?? DEFAULT_SEARCH_RETRY;
    const search = internals.search !== undefined ? internals.search : this.settings.search ? createTavilySearchClient(this.settings.search) : null;
    this.search = search ? observedSearchClient(search, deps.observers?.webSearch, this.name) : null;
    if (!this.search) {
      this.logger.warn(`${this.name}: ${SEARCH_NOT_CONFIGURED_MESSAGE}; content tasks will fail with SEARCH_ERROR until it is set`);
    }
  }

  async run(input: AgentInput, ctx: AgentContext = {}): Promise<AgentRunResult> {
    const { signal } = ctx;
    const logger = ctx.logger ?? this.logger;
    throwIfAborted(signal, this.name);
    // Before any LLM call: without search there is nothing to ground the piece in, and no tokens should be spent.
    if (!this.search) throw new SearchError(SEARCH_NOT_CONFIGURED_MESSAGE);

    const chat = this.llm.chatModel({ model: this.settings.model });
    const prices = this.llm.prices;
    const usage: ModelUsage[] = [];
    const history = recentHistory(input.history);

    let queries: string[];
    if (shouldDeriveQueries(input.task, history)) {
      const planned = await invokeStructured(chat, searchQueriesSchema, buildQueryMessages(input.task, history), {
        name: SEARCH_QUERIES_SCHEMA_NAME,
        prices,
        signal,
      });
      usage.push(planned.usage);
      queries = sanitizeQueries(planned.value.queries, input.task);
    } else {
      queries = [directQuery(input.task)];
    }

    const sources: SearchHit[] = await searchAll(this.search, queries, {
      signal,
      logger,
      retry: this.retry,
    });
    logger.debug('web search done', {
      task_id: input.task_id,
      queries,
      sources: sources.length,
    });

    const written = await invokeText(chat, buildWriterMessages(input.task, history, sources), { prices, signal, onDelta: ctx.onDelta });
    usage.push(written.usage);

    const { content, citations } = extractCitations(written.value, sources, this.search.source);
    logger.info('content written', {
      task_id: input.task_id,
      queries: queries.length,
      sources: sources.length,
      cited: citations.length,
    });
    return {
      output: {
        agent_name: this.name,
        content,
        code_language: null,
        citations,
        summary: summarize(content, sources.length, citations.length),
      },
      usage,
      model: written.model,
    };
  }
}
