// needs: no external services; starts a local OpenAI stub
// The real SDK path (LangChain ChatOpenAI -> openai) talks HTTP to the stub.
import { join } from 'node:path';
import { createOpenAiProvider, noopLogger, type AgentDeps } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, startOpenAiStub, type OpenAiStub, type StubHandler } from '@agent-orchestrator/agents-core/testing';
import { DEFAULT_PRICE_TABLE, estimateCost } from '@agent-orchestrator/domain';
import { agentDescriptor } from './index';
import { TEST_SYSTEM_PROMPT } from './test.prompt';

const USAGE = { prompt_tokens: 240, completion_tokens: 120 };
const handler: StubHandler = () => ({
  json: {
    language: 'TypeScript',
    framework: 'jest',
    content: "```ts\nimport { add } from './add';\n\nit('adds', () => expect(add(1, 2)).toBe(3));\n```\n\nRun: `npx jest add.spec.ts`",
    summary: 'Jest tests for add.',
  },
  usage: USAGE,
});

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
  it('asks for the test_answer JSON schema on the configured model and reports the provider usage', async () => {
    const result = await agentDescriptor
      .create(makeDeps({ LLM_TEST_MODEL: 'gpt-4.1-mini' }))
      .run({ task_id: 't', session_id: 's', task: 'Write Jest tests for: export const add = (a: number, b: number) => a + b;', history: [] });

    expect(openai.requests).toHaveLength(1);
    const req = openai.requests[0]!;
    expect(req).toMatchObject({ model: 'gpt-4.1-mini', schemaName: 'test_answer', system: TEST_SYSTEM_PROMPT });
    expect(result.output).toMatchObject({ agent_name: 'TestAgent', code_language: 'typescript', citations: [], summary: 'Jest tests for add.' });
    expect(result.usage).toEqual([{ model: 'gpt-4.1-mini', ...USAGE, total_tokens: 360, cost_usd: estimateCost('gpt-4.1-mini', USAGE, DEFAULT_PRICE_TABLE) }]);
  });

  it('fails with LLM_ERROR when the provider rejects the key (401), without retrying', async () => {
    openai.setHandler(() => ({ status: 401, message: 'Incorrect API key provided' }));
    await expect(agentDescriptor.create(makeDeps()).run({ task_id: 't', session_id: 's', task: 'x', history: [] })).rejects.toMatchObject({ type: 'LLM_ERROR', retryable: false });
    expect(openai.requests).toHaveLength(1);
  });
});
