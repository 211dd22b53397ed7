import { HumanMessage } from '@langchain/core/messages';
import { DEFAULT_PRICE_TABLE, SearchError, modelUsage } from '@agent-orchestrator/domain';
import { z } from 'zod';
import { noopLogger, type AgentDescriptor, type AgentDeps } from './agent';
import { UNNAMED_AGENT, observeWebSearch, withAgentName, withLlmObserver, type LlmCallObservation, type WebSearchObservation } from './observe';
import { AgentRegistry } from './agent-registry';
import { invokeStructured, invokeText } from './structured';
import { scriptedLlmProvider } from './testing';

const prices = DEFAULT_PRICE_TABLE;
const ask = [new HumanMessage('a question of forty characters, exactly!')];

function observed(script: Parameters<typeof scriptedLlmProvider>[0]) {
  const calls: LlmCallObservation[] = [];
  const llm = withLlmObserver(scriptedLlmProvider(script), (c) => calls.push(c));
  return { llm, calls };
}

describe('LLM call observer', () => {
  it('reports a successful call with model, agent, tokens and cost', async () => {
    const { llm, calls } = observed(() => 'twelve chars');
    const res = await invokeText(withAgentName(llm, 'CodeAgent').chatModel({ model: 'gpt-4o' }), ask, { prices });
    expect(calls).toEqual([
      {
        model: 'gpt-4o',
        agent: 'CodeAgent',
        outcome: 'success',
        duration_ms: expect.any(Number),
        prompt_tokens: res.usage.prompt_tokens,
        completion_tokens: res.usage.completion_tokens,
        cost_usd: res.usage.cost_usd,
        error_type: null,
      },
    ]);
    expect(res.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
    expect(calls[0]!.cost_usd).toBeCloseTo(modelUsage('gpt-4o', { prompt_tokens: 10, completion_tokens: 3 }, prices).cost_usd!, 12);
    expect(calls[0]!.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('reports a failed call with its error type and no tokens', async () => {
    const { llm, calls } = observed(() => {
      throw Object.assign(new Error('bad key'), { status: 401 });
    });
    await expect(invokeText(withAgentName(llm, 'PeerAgent').chatModel({ model: 'm' }), ask, { prices })).rejects.toMatchObject({ type: 'LLM_ERROR' });
    expect(calls).toEqual([
      expect.objectContaining({
        model: 'm',
        agent: 'PeerAgent',
        outcome: 'failure',
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_usd: 0,
        error_type: 'LLM_ERROR',
      }),
    ]);
  });

  it('reports a structured answer that fails its schema as a failure that still cost tokens', async () => {
    const { llm, calls } = observed(() => JSON.stringify({ answer: 'not a number' }));
    const chat = withAgentName(llm, 'CodeAgent').chatModel({ model: 'm' });
    await expect(invokeStructured(chat, z.object({ answer: z.number() }), ask, { name: 'answer', prices })).rejects.toMatchObject({ type: 'LLM_ERROR' });
    // One observation for the call and its re-ask: '{"answer":"not a number"}' (26 characters, 7 tokens) twice,
    // the second prompt longer by the bad answer and the parse error.
    expect(calls).toEqual([expect.objectContaining({ outcome: 'failure', error_type: 'LLM_ERROR', completion_tokens: 14 })]);
    expect(calls[0]!.prompt_tokens).toBeGreaterThan(20);
  });

  it('reports structured successes too, and names unscoped calls "unknown"', async () => {
    const { llm, calls } = observed(() => JSON.stringify({ answer: 42 }));
    const res = await invokeStructured(llm.chatModel({ model: 'm' }), z.object({ answer: z.number() }), ask, { name: 'answer', prices });
    expect(res.value).toEqual({ answer: 42 });
    expect(calls).toEqual([expect.objectContaining({ agent: UNNAMED_AGENT, outcome: 'success', prompt_tokens: 10 })]);
  });

  it('ignores an observer that throws, and stays silent without one', async () => {
    const throwing = withLlmObserver(
      scriptedLlmProvider(() => 'ok'),
      () => {
        throw new Error('observer bug');
      },
    );
    await expect(invokeText(throwing.chatModel({ model: 'm' }), ask, { prices })).resolves.toMatchObject({ value: 'ok' });
    await expect(invokeText(scriptedLlmProvider(() => 'ok').chatModel({ model: 'm' }), ask, { prices })).resolves.toMatchObject({ value: 'ok' });
  });

  it("keeps the wrapped provider's configured flag and prices", () => {
    const inner = { ...scriptedLlmProvider(() => 'x'), configured: false };
    const wrapped = withAgentName(
      withLlmObserver(inner, () => undefined),
      'A',
    );
    expect(wrapped.configured).toBe(false);
    expect(wrapped.prices).toBe(inner.prices);
  });
});

describe('AgentRegistry scopes observations to the registered agent', () => {
  it("names each agent's LLM calls and web searches after its descriptor, whatever the agent reports", async () => {
    const calls: LlmCallObservation[] = [];
    const searches: WebSearchObservation[] = [];
    const descriptor = (name: string): AgentDescriptor => ({
      name,
      version: '1.0.0',
      agent_type: 'test',
      description: 'test agent',
      create: (deps: AgentDeps) => ({
        name,
        version: '1.0.0',
        run: async () => {
          const answer = await invokeText(deps.llm.chatModel({ model: `${name}-model` }), ask, { prices: deps.llm.prices });
          await observeWebSearch(deps.observers?.webSearch, { agent: 'SomethingElse', source: 'fake' }, async () => ['hit', 'hit']);
          return { output: { agent_name: name, content: answer.value, citations: [] }, usage: [answer.usage], model: answer.model };
        },
      }),
    });
    const llm = withLlmObserver(
      scriptedLlmProvider(() => 'ok'),
      (c) => calls.push(c),
    );
    const deps: AgentDeps = { llm, settings: {}, logger: noopLogger, observers: { webSearch: (s) => searches.push(s) } };
    const registry = new AgentRegistry().register(descriptor('A'), deps).register(descriptor('B'), deps);
    await registry.get('A').agent.run({ task_id: 't', session_id: 's', task: 'x', history: [] });
    await registry.get('B').agent.run({ task_id: 't', session_id: 's', task: 'x', history: [] });
    expect(calls.map((c) => [c.agent, c.model])).toEqual([
      ['A', 'A-model'],
      ['B', 'B-model'],
    ]);
    expect(searches.map((s) => [s.agent, s.source, s.outcome, s.results])).toEqual([
      ['A', 'fake', 'success', 2],
      ['B', 'fake', 'success', 2],
    ]);
  });
});

describe('observeWebSearch', () => {
  it('reports a failure with its error type and rethrows it unchanged', async () => {
    const seen: WebSearchObservation[] = [];
    const error = new SearchError('Tavily said 500', { retryable: true });
    await expect(
      observeWebSearch(
        (s) => seen.push(s),
        { agent: 'ContentAgent', source: 'tavily' },
        () => Promise.reject(error),
      ),
    ).rejects.toBe(error);
    expect(seen).toEqual([
      { agent: 'ContentAgent', source: 'tavily', outcome: 'failure', duration_ms: expect.any(Number), results: 0, error_type: 'SEARCH_ERROR' },
    ]);
  });

  it('just runs the search without an observer', async () => {
    await expect(observeWebSearch(undefined, { agent: 'a', source: 's' }, async () => [1, 2, 3])).resolves.toEqual([1, 2, 3]);
  });
});
