import { noopLogger, type AgentDeps, type AgentInput, type WebSearchObservation } from '@agent-orchestrator/agents-core';
import { scriptedLlmProvider, type ChatScript } from '@agent-orchestrator/agents-core/testing';
import { LlmError, SearchError } from '@agent-orchestrator/domain';
import type { BaseMessage } from '@langchain/core/messages';
import { ContentAgent, SEARCH_NOT_CONFIGURED_MESSAGE } from './content.agent';
import { QUERY_SYSTEM_PROMPT, WRITER_SYSTEM_PROMPT } from './content.prompt';
import type { CallPolicy } from '@agent-orchestrator/agents-core';
import type { SearchClient, SearchHit } from './search';

const FAST_RETRY: CallPolicy = { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2, jitter: 'equal', random: () => 0 };

const text = (m: BaseMessage): string => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content));
const systemOf = (messages: BaseMessage[]): string => text(messages[0]!);
const lastOf = (messages: BaseMessage[]): string => text(messages[messages.length - 1]!);

const hitsFor = (q: string, n = 3): SearchHit[] =>
  Array.from({ length: n }, (_, i) => ({ title: `${q} ${i + 1}`, url: `https://example.com/${encodeURIComponent(q)}/${i + 1}`, content: `About ${q}`, publishedDate: null }));

/** A fake search backend recording its queries. */
function fakeSearch(impl: (query: string) => Promise<SearchHit[]> = async (q) => hitsFor(q)): SearchClient & { queries: string[] } {
  const queries: string[] = [];
  return {
    source: 'tavily',
    queries,
    search: jest.fn(async (query: string) => {
      queries.push(query);
      return impl(query);
    }),
  };
}

/** Plans `queries`, then writes `article`. */
const script =
  (article = '# Bees\n\nBees dance [2]. Honey lasts [1].', queries = ['bee behaviour', 'honey storage']): ChatScript =>
  (messages) =>
    systemOf(messages) === QUERY_SYSTEM_PROMPT ? JSON.stringify({ queries }) : article;

function deps(chat: ChatScript = script(), settings: Record<string, string> = { TAVILY_API_KEY: 'tvly-test' }) {
  const llm = scriptedLlmProvider(chat);
  const warn = jest.fn();
  const d: AgentDeps = { llm, settings, logger: { ...noopLogger, warn } };
  return { deps: d, llm, warn };
}

const input = (task: string, history: AgentInput['history'] = []): AgentInput => ({ task_id: 't-1', session_id: 's-1', task, history });

describe('ContentAgent', () => {
  it('searches a short task directly, writes with the numbered sources and returns only the cited ones', async () => {
    const search = fakeSearch();
    const { deps: d, llm } = deps();
    const result = await new ContentAgent(d, { search, retry: FAST_RETRY }).run(input('Write about bees'));

    expect(search.queries).toEqual(['Write about bees']);
    expect(llm.models[0]!.calls).toHaveLength(1); // no planning call
    const prompt = llm.models[0]!.calls[0]!;
    expect(systemOf(prompt)).toBe(WRITER_SYSTEM_PROMPT);
    expect(lastOf(prompt)).toContain('[1] Write about bees 1\nURL: https://example.com/Write%20about%20bees/1');
    expect(lastOf(prompt)).toContain('[3] Write about bees 3');

    expect(result.output.content).toBe('# Bees\n\nBees dance [1]. Honey lasts [2].');
    expect(result.output.citations).toEqual([
      { source: 'tavily', title: 'Write about bees 2', url: 'https://example.com/Write%20about%20bees/2' },
      { source: 'tavily', title: 'Write about bees 1', url: 'https://example.com/Write%20about%20bees/1' },
    ]);
    expect(result.output.code_language).toBeNull();
    expect(result.output.summary).toBe('Bees. Cites 2 of 3 web sources consulted.');
    expect(result.model).toBe('gpt-4o-mini');
    expect(result.usage).toHaveLength(1);
    expect(result.usage[0]!.total_tokens).toBeGreaterThan(0);
  });

  it('plans queries with one structured call for a long task and searches each', async () => {
    const search = fakeSearch();
    const { deps: d, llm } = deps(script(undefined, ['bee behaviour', ' Bee behaviour ', 'honey storage', 'hive', 'extra']));
    const task = `Write a detailed report on bees.\n${'Cover their behaviour and honey. '.repeat(10)}`;
    const result = await new ContentAgent(d, { search, retry: FAST_RETRY }).run(input(task));

    expect(search.queries).toEqual(['bee behaviour', 'honey storage', 'hive']);
    const [plan, write] = llm.models[0]!.calls;
    expect(systemOf(plan!)).toBe(QUERY_SYSTEM_PROMPT);
    expect(lastOf(plan!)).toContain('Write a detailed report on bees.');
    expect(lastOf(write!)).toContain('Request:\nWrite a detailed report on bees.');
    expect(result.usage).toHaveLength(2);
  });

  it('resolves a follow-up with the session history and passes the history to the writer', async () => {
    const search = fakeSearch();
    const { deps: d, llm } = deps(script('Shorter text [1].', ['honey bees']));
    const history = [
      { role: 'user' as const, content: 'Write about bees.' },
      { role: 'assistant' as const, content: 'Bees are insects...', agent_name: 'ContentAgent' },
    ];
    await new ContentAgent(d, { search, retry: FAST_RETRY }).run(input('Now make it shorter.', history));

    const [plan, write] = llm.models[0]!.calls;
    expect(lastOf(plan!)).toContain('User: Write about bees.\n\nAssistant: Bees are insects...');
    expect(write!.map((m) => m.getType())).toEqual(['system', 'human', 'ai', 'human']);
    expect(text(write![2]!)).toBe('Bees are insects...');
    expect(search.queries).toEqual(['honey bees']);
  });

  it('returns no citations when the text cites none of the sources, and says so', async () => {
    const { deps: d } = deps(script('# Bees\n\nNo markers here.'));
    const result = await new ContentAgent(d, { search: fakeSearch(), retry: FAST_RETRY }).run(input('Write about bees'));
    expect(result.output.citations).toEqual([]);
    expect(result.output.summary).toBe('Bees. Written after consulting 3 web sources, none of them cited.');
  });

  it('writes without sources when the search finds nothing, and says so', async () => {
    const { deps: d, llm } = deps(script('# Bees\n\nGeneral text [1].'));
    const result = await new ContentAgent(d, { search: fakeSearch(async () => []), retry: FAST_RETRY }).run(input('Write about bees'));
    expect(lastOf(llm.models[0]!.calls[0]!)).toContain('The web search found no sources');
    expect(result.output.citations).toEqual([]);
    expect(result.output.content).toContain('[1]'); // a marker with no source is left alone, and cites nothing
    expect(result.output.summary).toMatch(/found no sources, so it was written without citations/);
  });

  it('dedupes sources found by several queries', async () => {
    const same = async (): Promise<SearchHit[]> => [{ title: 'Same', url: 'https://example.com/same', content: 'x', publishedDate: null }];
    const { deps: d, llm } = deps(script('A [1].', ['q1', 'q2']));
    const result = await new ContentAgent(d, { search: fakeSearch(same), retry: FAST_RETRY }).run(input('x'.repeat(300)));
    expect(lastOf(llm.models[0]!.calls[1]!)).not.toContain('[2]');
    expect(result.output.citations).toEqual([{ source: 'tavily', title: 'Same', url: 'https://example.com/same' }]);
  });

  describe('without web search configured', () => {
    it('boots, warns once, and fails every task with SEARCH_ERROR before calling the LLM', async () => {
      const { deps: d, llm, warn } = deps(script(), {});
      const agent = new ContentAgent(d);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(SEARCH_NOT_CONFIGURED_MESSAGE));
      const error = await agent.run(input('Write about bees')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SearchError);
      expect(error).toMatchObject({ type: 'SEARCH_ERROR', message: 'web search is not configured: set TAVILY_API_KEY', retryable: false });
      expect(llm.models).toHaveLength(0);
    });
  });

  describe('search failures', () => {
    it('retries a transient failure and succeeds', async () => {
      let calls = 0;
      const search = fakeSearch(async (q) => {
        if (calls++ < 2) throw new Error('Internal Server Error');
        return hitsFor(q);
      });
      const { deps: d, warn } = deps();
      const result = await new ContentAgent(d, { search, retry: FAST_RETRY }).run(input('Write about bees'));
      expect(search.queries).toHaveLength(3);
      expect(warn).toHaveBeenCalledWith('web search failed, retrying', expect.objectContaining({ retry: 1 }));
      expect(result.output.citations).toHaveLength(2);
    });

    it('gives up after two retries with a retryable SEARCH_ERROR', async () => {
      const search = fakeSearch(async () => {
        throw new Error('Your request has been blocked due to excessive requests. Please reduce rate of requests.');
      });
      const { deps: d, llm } = deps();
      const error = await new ContentAgent(d, { search, retry: FAST_RETRY }).run(input('Write about bees')).catch((e: unknown) => e);
      expect(error).toMatchObject({ type: 'SEARCH_ERROR', retryable: true, message: expect.stringMatching(/rate limit/) });
      expect(search.queries).toHaveLength(3);
      expect(llm.models[0]!.calls).toHaveLength(0);
    });

    it('does not retry a rejected API key', async () => {
      const search = fakeSearch(async () => {
        throw new Error('Unauthorized: missing or invalid API key.');
      });
      const { deps: d } = deps();
      const error = await new ContentAgent(d, { search, retry: FAST_RETRY }).run(input('Write about bees')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SearchError);
      expect(error).toMatchObject({ retryable: false, message: expect.stringMatching(/check TAVILY_API_KEY/) });
      expect(search.queries).toHaveLength(1);
    });

    it('keeps a SearchError thrown by the client as it is', async () => {
      const original = new SearchError('custom backend down', { retryable: false });
      const search = fakeSearch(async () => {
        throw original;
      });
      const { deps: d } = deps();
      await expect(new ContentAgent(d, { search, retry: FAST_RETRY }).run(input('Write about bees'))).rejects.toBe(original);
    });
  });

  describe('abort', () => {
    it('stops before doing anything when the signal is already aborted', async () => {
      const search = fakeSearch();
      const { deps: d, llm } = deps();
      const controller = new AbortController();
      controller.abort();
      await expect(new ContentAgent(d, { search }).run(input('Write about bees'), { signal: controller.signal })).rejects.toMatchObject({ type: 'TIMEOUT' });
      expect(search.queries).toHaveLength(0);
      expect(llm.models).toHaveLength(0);
    });

    it('stops a pending search when the signal aborts, and passes the signal on', async () => {
      let seen: AbortSignal | undefined;
      const search: SearchClient = {
        source: 'tavily',
        search: (_q, { signal }) => {
          seen = signal;
          return new Promise<SearchHit[]>(() => undefined); // never settles, like a hung request
        },
      };
      const { deps: d, llm } = deps();
      const controller = new AbortController();
      const run = new ContentAgent(d, { search }).run(input('Write about bees'), { signal: controller.signal });
      setTimeout(() => controller.abort(), 10);
      await expect(run).rejects.toMatchObject({ type: 'TIMEOUT', message: expect.stringMatching(/Web search was aborted/) });
      expect(seen).toBe(controller.signal);
      expect(llm.models[0]!.calls).toHaveLength(0);
    });

    it('passes the signal to the LLM calls', async () => {
      const llm = scriptedLlmProvider(script(), { delayMs: 200 });
      const agent = new ContentAgent({ llm, settings: { TAVILY_API_KEY: 'k' }, logger: noopLogger }, { search: fakeSearch() });
      const controller = new AbortController();
      const run = agent.run(input('Write about bees'), { signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await expect(run).rejects.toMatchObject({ type: 'TIMEOUT' });
    });
  });

  it('reports each web search request, retries and failures included, to the host observer', async () => {
    const seen: WebSearchObservation[] = [];
    let n = 0;
    const search = fakeSearch(async (q) => {
      if (q === 'honey storage' && ++n === 1) throw new SearchError('Tavily answered 503', { retryable: true });
      if (q === 'hive') throw new SearchError('Tavily rejected the query', { retryable: false });
      return hitsFor(q);
    });
    const { deps: d } = deps(script(undefined, ['bee behaviour', 'honey storage', 'hive']));
    const task = `Write a detailed report on bees.\n${'Cover their behaviour and honey. '.repeat(10)}`;
    await new ContentAgent({ ...d, observers: { webSearch: (o) => seen.push(o) } }, { search, retry: FAST_RETRY }).run(input(task));
    const summary = seen.map((o) => [o.agent, o.source, o.outcome, o.results, o.error_type]);
    expect(summary).toHaveLength(4);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['ContentAgent', 'tavily', 'success', 3, null],
        ['ContentAgent', 'tavily', 'failure', 0, 'SEARCH_ERROR'],
      ]),
    );
    expect(summary.filter((o) => o[2] === 'success')).toHaveLength(2);
    expect(summary.filter((o) => o[2] === 'failure')).toHaveLength(2);
    expect(seen.every((o) => o.duration_ms >= 0)).toBe(true);
  });

  it('maps LLM failures to LLM_ERROR', async () => {
    const { deps: d } = deps(() => {
      throw Object.assign(new Error('bad key'), { status: 401 });
    });
    await expect(new ContentAgent(d, { search: fakeSearch() }).run(input('Write about bees'))).rejects.toBeInstanceOf(LlmError);
  });

  it('rejects a planning answer that does not match the schema', async () => {
    const { deps: d } = deps((messages) => (systemOf(messages) === QUERY_SYSTEM_PROMPT ? JSON.stringify({ topics: [] }) : 'x'));
    await expect(new ContentAgent(d, { search: fakeSearch() }).run(input('y'.repeat(500)))).rejects.toMatchObject({ type: 'LLM_ERROR' });
  });

  it('uses LLM_CONTENT_MODEL', async () => {
    const { deps: d, llm } = deps(script(), { TAVILY_API_KEY: 'k', LLM_CONTENT_MODEL: 'gpt-4.1-mini' });
    const result = await new ContentAgent(d, { search: fakeSearch() }).run(input('Write about bees'));
    expect(llm.models[0]!.model).toBe('gpt-4.1-mini');
    expect(result.model).toBe('gpt-4.1-mini');
  });
});
