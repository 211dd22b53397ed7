// needs: no external services; starts a local OpenAI stub and a local Anthropic Messages API stub
// The real SDK path (LangChain ChatOpenAI -> openai) talks HTTP to the stub.
import { join } from 'node:path';
import { LlmRoles, createOpenAiProvider, noopLogger, type AgentDeps } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, startAnthropicStub, startOpenAiStub, type AnthropicStub, type OpenAiStub, type StubHandler } from '@agent-orchestrator/agents-core/testing';
import { DEFAULT_PRICE_TABLE, estimateCost } from '@agent-orchestrator/domain';
import { CODE_SYSTEM_PROMPT } from './code.prompt';
import { agentDescriptor } from './index';

const USAGE = { prompt_tokens: 210, completion_tokens: 90 };
const handler: StubHandler = () => ({
  json: { mode: 'fix', language: 'TypeScript', content: 'Fixed:\n\n```ts\nconst n: number = 1;\n```', summary: 'Fixes the type error.' },
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

describe('CodeAgent against the OpenAI stub', () => {
  it("streams the answer's content to the host's onDelta as it is written, the result and usage unchanged", async () => {
    const pieces: string[] = [];
    const result = await agentDescriptor.create(makeDeps()).run({ task_id: 't', session_id: 's', task: 'Fix it', history: [] }, { onDelta: (t) => pieces.push(t) });
    expect(openai.requests[0]!.body['stream']).toBe(true);
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join('')).toBe('Fixed:\n\n```ts\nconst n: number = 1;\n```');
    expect(result.output).toMatchObject({ agent_name: 'CodeAgent', code_language: 'typescript', content: pieces.join('') });
    expect(result.usage[0]).toMatchObject(USAGE);
  });

  it('asks for the code_answer JSON schema on the configured model and reports the provider usage', async () => {
    const history = [{ role: 'user' as const, content: 'const n: number = "1";' }];
    const result = await agentDescriptor
      .create(makeDeps({ LLM_CODE_MODEL: 'gpt-4.1-mini' }))
      .run({ task_id: 't', session_id: 's', task: 'Fix the type error above.', history });

    expect(openai.requests).toHaveLength(1);
    const req = openai.requests[0]!;
    expect(req.model).toBe('gpt-4.1-mini');
    expect(req.schemaName).toBe('code_answer');
    expect((req.body['response_format'] as { type: string }).type).toBe('json_schema');
    expect(req.system).toBe(CODE_SYSTEM_PROMPT);
    expect(req.messages.map((m) => m.role)).toEqual(['system', 'user', 'user']);
    expect(req.lastUser).toBe('Fix the type error above.');

    expect(result.output).toMatchObject({ agent_name: 'CodeAgent', code_language: 'typescript', citations: [], summary: 'Fixes the type error.' });
    expect(result.model).toBe('gpt-4.1-mini');
    expect(result.usage).toEqual([{ model: 'gpt-4.1-mini', ...USAGE, total_tokens: 300, cost_usd: estimateCost('gpt-4.1-mini', USAGE, DEFAULT_PRICE_TABLE) }]);
  });

  it('fails with LLM_ERROR when OpenAI rejects the key (401), without retrying', async () => {
    openai.setHandler(() => ({ status: 401, message: 'Incorrect API key provided' }));
    await expect(agentDescriptor.create(makeDeps()).run({ task_id: 't', session_id: 's', task: 'x', history: [] })).rejects.toMatchObject({
      type: 'LLM_ERROR',
      retryable: false,
    });
    expect(openai.requests).toHaveLength(1);
  });

  it('fails with LLM_ERROR when the model answers outside the schema', async () => {
    openai.setHandler(() => ({ json: { answer: 'no' } }));
    await expect(agentDescriptor.create(makeDeps()).run({ task_id: 't', session_id: 's', task: 'x', history: [] })).rejects.toMatchObject({
      type: 'LLM_ERROR',
    });
  });
});

describe('CodeAgent configured with Anthropic (LLM_CODE_MODEL=anthropic:..., against a local Messages API stub)', () => {
  const CONTENT = 'Fixed:\n\n```ts\nconst n: number = 1;\n```\n\nThe literal was a string; it is a number now.';
  const CLAUDE_USAGE = { prompt_tokens: 320, completion_tokens: 75 };
  let anthropic: AnthropicStub;

  beforeAll(async () => {
    anthropic = await startAnthropicStub(() => ({ json: { mode: 'fix', language: 'TypeScript', content: CONTENT, summary: 'Fixes the type error.' }, usage: CLAUDE_USAGE, chunkChars: 9 }));
  });
  afterAll(async () => {
    await anthropic.close();
  });

  it('streams the content field as deltas from a forced tool_use stream, in one call, and records its tokens and cost', async () => {
    const roles = await LlmRoles.create({
      defaultProvider: 'openai',
      connections: { openai: { apiKey: 'test', baseURL: openai.url }, anthropic: { apiKey: 'sk-ant-test', baseURL: anthropic.url } },
      roles: { CODE: { model: 'anthropic:claude-sonnet-4-5-20250929' } },
      timeoutMs: 5000,
      maxRetries: 0,
      prices: DEFAULT_PRICE_TABLE,
    });
    const settings = { LLM_CODE_MODEL: 'anthropic:claude-sonnet-4-5-20250929' };
    const pieces: string[] = [];
    const result = await agentDescriptor
      .create({ llm: roles.forRole('CODE'), settings, logger: noopLogger })
      .run({ task_id: 't', session_id: 's', task: 'Fix: const n: number = "1";', history: [] }, { onDelta: (t) => pieces.push(t) });

    expect(openai.requests).toHaveLength(0);
    expect(anthropic.requests).toHaveLength(1);
    const req = anthropic.requests[0]!;
    expect(req).toMatchObject({ model: 'claude-sonnet-4-5-20250929', schemaName: 'code_answer', system: CODE_SYSTEM_PROMPT });
    expect(req.body['stream']).toBe(true);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.join('')).toBe(CONTENT);
    expect(result.output).toMatchObject({ agent_name: 'CodeAgent', code_language: 'typescript', content: CONTENT });
    expect(result.model).toBe('claude-sonnet-4-5-20250929');
    expect(result.usage).toEqual([
      { model: 'claude-sonnet-4-5-20250929', ...CLAUDE_USAGE, total_tokens: 395, cost_usd: estimateCost('claude-sonnet-4-5', CLAUDE_USAGE, DEFAULT_PRICE_TABLE) },
    ]);
    expect(result.usage[0]!.cost_usd).toBeGreaterThan(0);
  });
});
