// The public entry point: descriptor, conformance, and the wiring to the Tavily SDK (mocked here; the
// real SDK runs against a local stub in content.agent.int.spec.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noopLogger, type AgentDeps } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, scriptedLlmProvider } from '@agent-orchestrator/agents-core/testing';
import { ConfigError } from '@agent-orchestrator/domain';
import type { BaseMessage } from '@langchain/core/messages';
import { tavily } from '@tavily/core';
import { ContentAgent, agentDescriptor, parseContentSettings } from './index';
import { QUERY_SYSTEM_PROMPT } from './content.prompt';

jest.mock('@tavily/core', () => ({
  tavily: jest.fn(() => ({
    search: jest.fn(async (query: string) => ({
      query,
      responseTime: 0.01,
      images: [],
      requestId: 'r-1',
      results: [1, 2, 3].map((i) => ({ title: `${query} ${i}`, url: `https://example.com/${i}`, content: 'text', score: 0.5, publishedDate: '', id: `${i}` })),
    })),
  })),
}));

const tavilyMock = jest.mocked(tavily);

const makeDeps = (settings: Record<string, string> = { TAVILY_API_KEY: 'tvly-test' }): AgentDeps => ({
  llm: scriptedLlmProvider((messages: BaseMessage[]) =>
    messages[0]?.content === QUERY_SYSTEM_PROMPT ? JSON.stringify({ queries: ['water cycle'] }) : '# Note\n\nWater evaporates [1] and falls as rain [3].',
  ),
  settings,
  logger: noopLogger,
});

describeAgentConformance({ descriptor: agentDescriptor, makeDeps: () => makeDeps(), packageRoot: join(__dirname, '..') });

describe('agentDescriptor', () => {
  it('reads its version from package.json and names the agent', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(agentDescriptor).toMatchObject({ name: 'ContentAgent', agent_type: 'content', version: pkg.version });
  });

  it('creates a ContentAgent, and throws ConfigError for invalid settings', () => {
    expect(agentDescriptor.create(makeDeps())).toBeInstanceOf(ContentAgent);
    expect(() => agentDescriptor.create(makeDeps({ TAVILY_MAX_RESULTS: '50' }))).toThrow(ConfigError);
  });

  it('exports the settings parser', () => {
    expect(parseContentSettings({}).model).toBe('gpt-4o-mini');
  });
});

describe('Tavily SDK wiring', () => {
  it('passes the key, base URL and search options from the settings (timeout in seconds)', async () => {
    tavilyMock.mockClear();
    const agent = agentDescriptor.create(makeDeps({ TAVILY_API_KEY: 'tvly-k', TAVILY_BASE_URL: 'http://127.0.0.1:1/', TAVILY_MAX_RESULTS: '7', TAVILY_TIMEOUT_MS: '2500' }));
    const result = await agent.run({ task_id: 't', session_id: 's', task: 'Water cycle', history: [] });

    expect(tavilyMock).toHaveBeenCalledWith({ apiKey: 'tvly-k', apiBaseURL: 'http://127.0.0.1:1' });
    const client = tavilyMock.mock.results[0]!.value as { search: jest.Mock };
    expect(client.search).toHaveBeenCalledWith('Water cycle', expect.objectContaining({ maxResults: 7, searchDepth: 'basic', timeout: 2.5 }));
    expect(result.output.citations).toEqual([
      { source: 'tavily', title: 'Water cycle 1', url: 'https://example.com/1' },
      { source: 'tavily', title: 'Water cycle 3', url: 'https://example.com/3' },
    ]);
  });

  it('sends a placeholder key with only a base URL, so the SDK never falls back to process.env', () => {
    tavilyMock.mockClear();
    agentDescriptor.create(makeDeps({ TAVILY_BASE_URL: 'http://127.0.0.1:1' }));
    expect(tavilyMock).toHaveBeenCalledWith({ apiKey: 'not-needed', apiBaseURL: 'http://127.0.0.1:1' });
  });

  it('does not build a client when search is not configured', () => {
    tavilyMock.mockClear();
    agentDescriptor.create(makeDeps({}));
    expect(tavilyMock).not.toHaveBeenCalled();
  });
});
