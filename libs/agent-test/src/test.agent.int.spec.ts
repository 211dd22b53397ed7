// needs: no external services; starts a local OpenAI stub
// The real SDK path (LangChain ChatOpenAI -> openai) talks HTTP to the stub.
import { join } from 'node:path';
import { createOpenAiProvider, noopLogger, type AgentDeps } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, startOpenAiStub, type OpenAiStub, type StubHandler } from '@agent-orchestrator/agents-core/testing';
import { DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { agentDescriptor } from './index';
import { TEST_SYSTEM_PROMPT } from './test.prompt';

const handler: StubHandler = () => ({ content: '# Answer\n\nHere is what you asked for.', usage: { prompt_tokens: 120, completion_tokens: 40 } });

let openai: OpenAiStub;

beforeAll(async () => {
  openai = await startOpenAiStub(handler);
});

afterAll(async () => {
  await openai.close();
});

beforeEach(() => {
  openai.setHandler(handler);
  openai.requests.length = 0;
});

const makeDeps = (settings: Record<string, string> = {}): AgentDeps => ({
  llm: createOpenAiProvider({ baseURL: openai.url, apiKey: 'test', timeoutMs: 5000, maxRetries: 1, prices: DEFAULT_PRICE_TABLE }),
  settings,
  logger: noopLogger,
});

describeAgentConformance({ descriptor: agentDescriptor, makeDeps: () => makeDeps(), packageRoot: join(__dirname, '..') });

describe('TestAgent against the OpenAI stub', () => {
  it('sends the system prompt and the task to the configured model', async () => {
    await agentDescriptor.create(makeDeps({ LLM_TEST_MODEL: 'gpt-4.1-mini' })).run({ task_id: 't', session_id: 's', task: 'Do the thing.', history: [] });
    expect(openai.requests).toHaveLength(1);
    expect(openai.requests[0]).toMatchObject({ model: 'gpt-4.1-mini', system: TEST_SYSTEM_PROMPT, lastUser: 'Do the thing.' });
  });

  it('fails with LLM_ERROR when the provider rejects the key (401)', async () => {
    openai.setHandler(() => ({ status: 401, message: 'Incorrect API key provided' }));
    await expect(agentDescriptor.create(makeDeps()).run({ task_id: 't', session_id: 's', task: 'x', history: [] })).rejects.toMatchObject({
      type: 'LLM_ERROR',
    });
  });
});
