// needs: no external services; starts a local OpenAI stub
// The real SDK path (LangChain ChatOpenAI -> openai) talks HTTP to the stub.
import { join } from 'node:path';
import { createOpenAiProvider, noopLogger, type AgentDeps } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, startOpenAiStub, type OpenAiStub, type StubHandler } from '@agent-orchestrator/agents-core/testing';
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
