// needs: nothing external; starts a local OpenAI-protocol stub.
import { HumanMessage } from '@langchain/core/messages';
import { BudgetExceededError, DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { z } from 'zod';
import { createOpenAiProvider } from './llm';
import { invokeStructured, invokeText } from './structured';
import { startOpenAiStub, type OpenAiStub } from './testing';
import { UsageMeter, currentUsageMeter, runWithUsageMeter } from './usage-meter';

describe('task budgets on real SDK calls (local stub)', () => {
  let stub: OpenAiStub;
  beforeEach(async () => {
    stub = await startOpenAiStub(() => ({ content: 'fine', usage: { prompt_tokens: 20, completion_tokens: 10 } }));
  });
  afterEach(() => stub.close());

  const chat = (maxTokens?: number) =>
    createOpenAiProvider({ baseURL: stub.url, apiKey: 'sk-test-key', timeoutMs: 2000, maxRetries: 0, prices: DEFAULT_PRICE_TABLE }).chatModel({
      model: 'gpt-4o-mini',
      maxTokens,
    });
  const ask = () => invokeText(chat(), [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE });

  it('without a meter or a budget, calls are unchanged (no max_tokens sent)', async () => {
    await ask();
    const meter = new UsageMeter(null);
    await runWithUsageMeter(meter, ask);
    expect(stub.requests.map((r) => r.body['max_tokens'])).toEqual([undefined, undefined]);
    expect(meter.usages.map((u) => u.total_tokens)).toEqual([30]);
    expect(currentUsageMeter()).toBeUndefined();
  });

  it("caps each call's completion to the tokens that remain, never above the agent's own limit", async () => {
    const meter = new UsageMeter({ max_tokens: 100, max_cost_usd: null });
    await runWithUsageMeter(meter, async () => {
      await ask();
      await ask();
      await invokeText(chat(25), [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE });
    });
    expect(stub.requests.map((r) => r.body['max_tokens'])).toEqual([100, 70, 25]);
    expect(meter.remainingTokens()).toBe(10);
  });

  it('fails a call that goes over the token budget with BUDGET_EXCEEDED, keeping its usage', async () => {
    stub.setHandler(() => ({ json: { answer: 1 }, usage: { prompt_tokens: 90, completion_tokens: 20 } }));
    const meter = new UsageMeter({ max_tokens: 100, max_cost_usd: null });
    const call = runWithUsageMeter(meter, () =>
      invokeStructured(chat(), z.object({ answer: z.number() }), [new HumanMessage('q')], { name: 'answer', prices: DEFAULT_PRICE_TABLE }),
    );
    await expect(call).rejects.toMatchObject({ type: 'BUDGET_EXCEEDED', message: expect.stringContaining('110 tokens, over its budget of 100') });
    expect(meter.usages.map((u) => u.total_tokens)).toEqual([110]);
  });

  it('caps a structured (JSON-schema) call under a budget as a text call, with the same response_format as without a budget', async () => {
    stub.setHandler(() => ({ json: { answer: 1 }, usage: { prompt_tokens: 20, completion_tokens: 10 } }));
    const structured = () => invokeStructured(chat(), z.object({ answer: z.number() }), [new HumanMessage('q')], { name: 'answer', prices: DEFAULT_PRICE_TABLE });
    await structured();
    const meter = new UsageMeter({ max_tokens: 100, max_cost_usd: null });
    const res = await runWithUsageMeter(meter, async () => (await structured(), structured()));
    expect(res.value).toEqual({ answer: 1 });
    expect(stub.requests.map((r) => r.body['max_tokens'])).toEqual([undefined, 100, 70]);
    expect(stub.requests[2]!.body['response_format']).toEqual(stub.requests[0]!.body['response_format']);
    expect(meter.remainingTokens()).toBe(40);
  });

  it('makes no call once the budget is used up', async () => {
    const meter = new UsageMeter({ max_tokens: 30, max_cost_usd: null });
    await runWithUsageMeter(meter, ask); // exactly 30: allowed
    await expect(runWithUsageMeter(meter, ask)).rejects.toBeInstanceOf(BudgetExceededError);
    expect(stub.requests).toHaveLength(1);
  });

  it('enforces a cost budget from the price table', async () => {
    // gpt-4o-mini: 20 * 0.15 + 10 * 0.6 per million = $0.000009 a call.
    const meter = new UsageMeter({ max_tokens: null, max_cost_usd: 0.00001 });
    await runWithUsageMeter(meter, ask);
    await expect(runWithUsageMeter(meter, ask)).rejects.toMatchObject({
      type: 'BUDGET_EXCEEDED',
      message: expect.stringContaining('over its budget of $0.00001'),
    });
    expect(stub.requests.map((r) => r.body['max_tokens'])).toEqual([undefined, undefined]);
    expect(meter.usages).toHaveLength(2);
  });

  it('never keeps a cost budget with an unknown cost: an unpriced call is refused before it is made, an unpriced usage stops the task', async () => {
    const meter = new UsageMeter({ max_tokens: null, max_cost_usd: 1 });
    const unpriced = createOpenAiProvider({ baseURL: stub.url, apiKey: 'sk-test-key', timeoutMs: 2000, maxRetries: 0, prices: DEFAULT_PRICE_TABLE }).chatModel({ model: 'llama3.1:8b' });
    await expect(runWithUsageMeter(meter, () => invokeText(unpriced, [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE }))).rejects.toMatchObject({
      type: 'BUDGET_EXCEEDED',
      message: expect.stringContaining('model llama3.1:8b has no price'),
    });
    expect(stub.requests).toHaveLength(0);
    // Had one been recorded anyway (the worker's prices changed), the meter would not count it as $0.
    expect(() => meter.record({ model: 'llama3.1:8b', prompt_tokens: 5, completion_tokens: 5, total_tokens: 10, cost_usd: null })).toThrow(BudgetExceededError);
    expect(() => meter.beforeCall('gpt-4o-mini')).toThrow(/cannot be enforced: an earlier call's cost is unknown/);
  });

  it('without a cost budget, an unpriced call is made and its cost recorded as unknown (null)', async () => {
    const meter = new UsageMeter({ max_tokens: 1000, max_cost_usd: null });
    const unpriced = createOpenAiProvider({ baseURL: stub.url, apiKey: 'sk-test-key', timeoutMs: 2000, maxRetries: 0, prices: DEFAULT_PRICE_TABLE }).chatModel({ model: 'llama3.1:8b' });
    const res = await runWithUsageMeter(meter, () => invokeText(unpriced, [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE }));
    expect(res.usage).toEqual({ model: 'llama3.1:8b', prompt_tokens: 20, completion_tokens: 10, total_tokens: 30, cost_usd: null });
    expect(meter.usages).toEqual([res.usage]);
  });
});
