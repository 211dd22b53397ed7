// needs: nothing external; starts a local OpenAI-protocol stub
import { createOpenAiProvider, type AgentSummary } from '@agent-orchestrator/agents-core';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { DEFAULT_PRICE_TABLE, ErrorType, estimateCost } from '@agent-orchestrator/domain';
import { PeerAgent } from './index';

const AGENTS: AgentSummary[] = [
  { name: 'CodeAgent', version: '1.0.0', agent_type: 'code', description: 'Writes, explains and refactors source code. It never runs code.' },
  { name: 'ContentAgent', version: '1.0.0', agent_type: 'content', description: 'Writes researched articles, posts and summaries with citations.' },
];

describe('PeerAgent over the OpenAI protocol (local stub)', () => {
  let stub: OpenAiStub;

  beforeAll(async () => {
    stub = await startOpenAiStub(() => ({ status: 500 }));
  });
  afterAll(async () => {
    await stub.close();
  });
  beforeEach(() => {
    stub.requests.length = 0;
  });

  const router = () =>
    new PeerAgent({
      llm: createOpenAiProvider({ baseURL: stub.url, apiKey: 'test', timeoutMs: 5000, maxRetries: 1, prices: DEFAULT_PRICE_TABLE }),
      model: 'gpt-4o-mini',
      agents: AGENTS,
    });

  it('asks for the route_decision JSON schema and routes on the answer, with the usage the server reported', async () => {
    stub.setHandler(() => ({
      json: { agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'A function is requested.' },
      usage: { prompt_tokens: 321, completion_tokens: 27 },
    }));
    const result = await router().route({
      task: 'Write a TypeScript debounce function.',
      history: [{ role: 'user', content: 'Hello' }],
      previousTasks: [{ task: 'Explain closures.', selected_agent: 'CodeAgent', status: 'completed' }],
    });

    expect(result.decision).toEqual({ status: 'routed', agent_name: 'CodeAgent', confidence: 0.92, reasoning: 'A function is requested.' });
    expect(result.model).toBe('gpt-4o-mini');
    expect(result.usage).toEqual([
      {
        model: 'gpt-4o-mini',
        prompt_tokens: 321,
        completion_tokens: 27,
        total_tokens: 348,
        cost_usd: estimateCost('gpt-4o-mini', { prompt_tokens: 321, completion_tokens: 27 }, DEFAULT_PRICE_TABLE),
      },
    ]);

    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.model).toBe('gpt-4o-mini');
    expect(req.schemaName).toBe('route_decision');
    const rf = req.body['response_format'] as { type: string; json_schema: { name: string; schema: { properties: Record<string, unknown> } } };
    expect(rf.type).toBe('json_schema');
    expect(Object.keys(rf.json_schema.schema.properties).sort()).toEqual(['agent_name', 'confidence', 'reasoning']);
    expect(req.system).toContain('CodeAgent');
    expect(req.system).toContain(AGENTS[1]!.description);
    expect(req.lastUser).toContain('Write a TypeScript debounce function.');
    expect(req.lastUser).toContain('Explain closures.');
    expect(result.prompt).toContain(req.system);
    expect(result.prompt).toContain(req.lastUser);
  });

  it('applies the rules to what the server answered', async () => {
    stub.setHandler(() => ({ json: { agent_name: 'Unknown', confidence: 0.9, reasoning: 'Chit-chat.' } }));
    const { decision } = await router().route({ task: 'How are you?', history: [], previousTasks: [] });
    expect(decision).toMatchObject({ status: 'unroutable', agent_name: 'Unknown' });
  });

  it('retries a 500 and succeeds on the next answer', async () => {
    let calls = 0;
    stub.setHandler(() => (++calls === 1 ? { status: 500, message: 'upstream hiccup' } : { json: { agent_name: 'ContentAgent', confidence: 0.8, reasoning: 'Prose.' } }));
    const { decision } = await router().route({ task: 'Write a post about tides.', history: [], previousTasks: [] });
    expect(decision).toMatchObject({ status: 'routed', agent_name: 'ContentAgent' });
    expect(stub.requests).toHaveLength(2);
  }, 30_000);

  it('fails with LLM_ERROR on a 401, without retrying', async () => {
    stub.setHandler(() => ({ status: 401, message: 'Incorrect API key provided' }));
    await expect(router().route({ task: 'Write a post about tides.', history: [], previousTasks: [] })).rejects.toMatchObject({
      type: ErrorType.LLM_ERROR,
      retryable: false,
    });
    expect(stub.requests).toHaveLength(1);
  });

  it('fails with LLM_ERROR when the server answers outside the schema', async () => {
    stub.setHandler(() => ({ json: { agent_name: 'CodeAgent', confidence: 7, reasoning: 'Sure.' } }));
    await expect(router().route({ task: 'Write code.', history: [], previousTasks: [] })).rejects.toMatchObject({ type: ErrorType.LLM_ERROR });
  });
});
