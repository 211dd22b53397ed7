// needs: no external services; starts local OpenAI and Tavily stubs
// The real SDKs (LangChain ChatOpenAI -> openai, @tavily/core -> axios) talk HTTP to the stubs.
import { join } from 'node:path';
import { createOpenAiProvider, noopLogger, type AgentDeps, type AgentInput } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, startOpenAiStub, type OpenAiStub, type StubHandler } from '@agent-orchestrator/agents-core/testing';
import { DEFAULT_PRICE_TABLE, estimateCost } from '@agent-orchestrator/domain';
import { WRITER_SYSTEM_PROMPT } from './content.prompt';
import { agentDescriptor } from './index';
import { defaultTavilyHandler, startTavilyStub, type TavilyStub } from './testing';

const PLAN_USAGE = { prompt_tokens: 50, completion_tokens: 12 };
const WRITE_USAGE = { prompt_tokens: 400, completion_tokens: 120 };

const openAiHandler: StubHandler = (req) =>
  req.schemaName === 'search_queries'
    ? { json: { queries: ['water cycle stages', 'evaporation and precipitation'] }, usage: PLAN_USAGE }
    : { content: '# The water cycle\n\nWater evaporates [2] and falls as rain [1].', usage: WRITE_USAGE };

let openai: OpenAiStub;
let search: TavilyStub;

beforeAll(async () => {
  openai = await startOpenAiStub(openAiHandler);
  search = await startTavilyStub();
});

afterAll(async () => {
  await openai.close();
  await search.close();
});

beforeEach(() => {
  openai.setHandler(openAiHandler);
  search.setHandler(defaultTavilyHandler);
  openai.requests.length = 0;
  search.requests.length = 0;
});

const makeDeps = (settings: Record<string, string | undefined> = {}): AgentDeps => ({
  llm: createOpenAiProvider({ baseURL: openai.url, apiKey: 'test', timeoutMs: 5000, maxRetries: 1, prices: DEFAULT_PRICE_TABLE }),
  settings: { TAVILY_API_KEY: 'tvly-test', TAVILY_BASE_URL: search.url, ...settings },
  logger: noopLogger,
});

const input = (task: string): AgentInput => ({ task_id: 't-1', session_id: 's-1', task, history: [] });
const run = (task: string, settings?: Record<string, string | undefined>, signal?: AbortSignal) =>
  agentDescriptor.create(makeDeps(settings)).run(input(task), { signal });

describeAgentConformance({ descriptor: agentDescriptor, makeDeps: () => makeDeps(), packageRoot: join(__dirname, '..') });

describe('ContentAgent against the OpenAI and Tavily stubs', () => {
  it("streams the writer's answer to the host's onDelta (only the writing call), the result and usage unchanged", async () => {
    const pieces: string[] = [];
    const result = await agentDescriptor.create(makeDeps()).run(input('Explain the water cycle'), { onDelta: (t) => pieces.push(t) });
    expect(openai.requests.map((r) => r.body['stream'] === true)).toEqual([true]);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join('')).toBe('# The water cycle\n\nWater evaporates [2] and falls as rain [1].');
    expect(result.output.citations).toHaveLength(2);
    expect(result.usage).toEqual([{ model: 'gpt-4o-mini', ...WRITE_USAGE, total_tokens: 520, cost_usd: estimateCost('gpt-4o-mini', WRITE_USAGE, DEFAULT_PRICE_TABLE) }]);
  });

  it('searches, writes with the sources and returns the cited ones with usage from the provider', async () => {
    const result = await run('Explain the water cycle', { LLM_CONTENT_MODEL: 'gpt-4.1-mini' });

    expect(search.requests).toHaveLength(1);
    expect(search.requests[0]).toMatchObject({ path: '/search', query: 'Explain the water cycle', maxResults: 5, searchDepth: 'basic', apiKey: 'tvly-test' });

    expect(openai.requests).toHaveLength(1);
    const write = openai.requests[0]!;
    expect(write.model).toBe('gpt-4.1-mini');
    expect(write.schemaName).toBeNull();
    expect(write.system).toBe(WRITER_SYSTEM_PROMPT);
    expect(write.lastUser).toContain('[1] Explain the water cycle: source 1\nURL: https://example.com/explain-the-water-cycle');
    expect(write.lastUser).toContain('[3] Explain the water cycle: source 3');

    expect(result.model).toBe('gpt-4.1-mini');
    expect(result.output.content).toBe('# The water cycle\n\nWater evaporates [1] and falls as rain [2].');
    expect(result.output.citations).toEqual([
      { source: 'tavily', title: 'Explain the water cycle: source 2', url: 'https://example.org/explain-the-water-cycle' },
      { source: 'tavily', title: 'Explain the water cycle: source 1', url: 'https://example.com/explain-the-water-cycle' },
    ]);
    expect(result.usage).toEqual([
      { model: 'gpt-4.1-mini', ...WRITE_USAGE, total_tokens: 520, cost_usd: estimateCost('gpt-4.1-mini', WRITE_USAGE, DEFAULT_PRICE_TABLE) },
    ]);
  });

  it('plans queries with a JSON-schema structured call for a long task, then searches each', async () => {
    const task = `Write a report on the water cycle for teachers.\n${'Cover evaporation, condensation and precipitation. '.repeat(6)}`;
    const result = await run(task, { TAVILY_MAX_RESULTS: '2' });

    const [plan, write] = openai.requests;
    expect(plan!.schemaName).toBe('search_queries');
    expect(plan!.model).toBe('gpt-4o-mini');
    expect((plan!.body['response_format'] as { type: string }).type).toBe('json_schema');
    expect(write!.schemaName).toBeNull();
    expect(search.requests.map((r) => r.query).sort()).toEqual(['evaporation and precipitation', 'water cycle stages']);
    expect(search.requests.every((r) => r.maxResults === 2)).toBe(true);
    expect(result.usage.map((u) => [u.prompt_tokens, u.completion_tokens])).toEqual([
      [PLAN_USAGE.prompt_tokens, PLAN_USAGE.completion_tokens],
      [WRITE_USAGE.prompt_tokens, WRITE_USAGE.completion_tokens],
    ]);
  });

  it('writes without citations when the search finds nothing', async () => {
    search.setHandler(() => ({ results: [] }));
    const result = await run('Explain the water cycle');
    expect(openai.requests[0]!.lastUser).toContain('The web search found no sources');
    expect(result.output.citations).toEqual([]);
    expect(result.output.summary).toMatch(/without citations/);
  });

  it('retries Tavily 500s, then fails with a retryable SEARCH_ERROR', async () => {
    search.setHandler(() => ({ status: 500 }));
    await expect(run('Explain the water cycle')).rejects.toMatchObject({ type: 'SEARCH_ERROR', retryable: true, message: expect.stringMatching(/Tavily is unavailable/) });
    expect(search.requests).toHaveLength(3);
    expect(openai.requests).toHaveLength(0);
  });

  it('recovers when a retry succeeds (dropped connection, then results)', async () => {
    let n = 0;
    search.setHandler((req) => (n++ === 0 ? { drop: true } : defaultTavilyHandler(req)));
    const result = await run('Explain the water cycle');
    expect(search.requests).toHaveLength(2);
    expect(result.output.citations).toHaveLength(2);
  });

  it('fails at once with SEARCH_ERROR when Tavily rejects the key (401), without retrying', async () => {
    search.setHandler(() => ({ status: 401 }));
    const error = (await run('Explain the water cycle', { TAVILY_API_KEY: 'tvly-wrong-key' }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ type: 'SEARCH_ERROR', retryable: false, message: expect.stringMatching(/rejected the API key; check TAVILY_API_KEY/) });
    expect(error.message).not.toContain('tvly-wrong-key');
    expect(search.requests).toHaveLength(1);
  });

  it('treats a Tavily timeout as retryable', async () => {
    search.setHandler((req) => ({ ...defaultTavilyHandler(req), delayMs: 1_000 }));
    await expect(run('Explain the water cycle', { TAVILY_TIMEOUT_MS: '150' })).rejects.toMatchObject({
      type: 'SEARCH_ERROR',
      retryable: true,
      message: expect.stringMatching(/timed out/),
    });
    expect(search.requests).toHaveLength(3);
  });

  it('stops waiting for a slow search when the task is aborted', async () => {
    search.setHandler((req) => ({ ...defaultTavilyHandler(req), delayMs: 3_000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    await expect(run('Explain the water cycle', {}, controller.signal)).rejects.toMatchObject({ type: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(openai.requests).toHaveLength(0);
  });

  it('fails with LLM_ERROR when OpenAI rejects the key (401)', async () => {
    openai.setHandler(() => ({ status: 401, message: 'Incorrect API key provided' }));
    await expect(run('Explain the water cycle')).rejects.toMatchObject({ type: 'LLM_ERROR', retryable: false });
    expect(openai.requests).toHaveLength(1);
  });

  it('fails with SEARCH_ERROR and makes no request when search is not configured', async () => {
    await expect(run('Explain the water cycle', { TAVILY_API_KEY: undefined, TAVILY_BASE_URL: undefined })).rejects.toMatchObject({
      type: 'SEARCH_ERROR',
      message: 'web search is not configured: set TAVILY_API_KEY',
    });
    expect(search.requests).toHaveLength(0);
    expect(openai.requests).toHaveLength(0);
  });
});
