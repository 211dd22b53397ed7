// needs: nothing external; starts a local OpenAI-protocol stub.
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { z } from 'zod';
import { createOpenAiProvider } from './llm';
import { withAgentName, type LlmCallObservation } from './observe';
import { invokeStructured, invokeText } from './structured';
import { UsageMeter, runWithUsageMeter } from './usage-meter';
import { startOpenAiStub, type OpenAiStub } from './testing';

describe('OpenAI provider against a local stub (real SDK path)', () => {
  let stub: OpenAiStub;
  beforeEach(async () => {
    stub = await startOpenAiStub(() => ({ content: 'hello there', usage: { prompt_tokens: 12, completion_tokens: 3 } }));
  });
  afterEach(() => stub.close());

  const provider = (maxRetries = 0) => createOpenAiProvider({ baseURL: stub.url, apiKey: 'sk-test-key', timeoutMs: 2000, maxRetries, prices: DEFAULT_PRICE_TABLE });

  it('sends the model and messages and reads text and usage', async () => {
    const chat = provider().chatModel({ model: 'gpt-4o-mini' });
    const res = await invokeText(chat, [new SystemMessage('be brief'), new HumanMessage('hi')], { prices: DEFAULT_PRICE_TABLE });
    expect(res.value).toBe('hello there');
    expect(res.usage).toMatchObject({ model: 'gpt-4o-mini', prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    expect(res.usage.cost_usd).toBeGreaterThan(0);
    expect(stub.requests[0]).toMatchObject({ model: 'gpt-4o-mini', system: 'be brief', lastUser: 'hi' });
    expect(stub.requests[0]!.headers['authorization']).toBe('Bearer sk-test-key');
  });

  it('asks for JSON-schema structured output and validates it', async () => {
    stub.setHandler(() => ({ json: { answer: 42 } }));
    const res = await invokeStructured(provider().chatModel({ model: 'gpt-4o-mini' }), z.object({ answer: z.number() }), [new HumanMessage('q')], { name: 'answer_schema', prices: DEFAULT_PRICE_TABLE });
    expect(res.value).toEqual({ answer: 42 });
    expect(stub.requests[0]!.schemaName).toBe('answer_schema');
    expect((stub.requests[0]!.body['response_format'] as { type: string }).type).toBe('json_schema');
  });

  it("sends exactly the response_format of LangChain's withStructuredOutput (jsonSchema), without its pipeline", async () => {
    stub.setHandler(() => ({ json: { answer: 42, note: 'x' } }));
    const schema = z.object({ answer: z.number(), note: z.string().describe('a short note') }).describe('The answer.');
    const chat = provider().chatModel({ model: 'gpt-4o-mini' });
    const viaPipeline = await chat.withStructuredOutput(schema, { name: 'answer_schema', includeRaw: true, method: 'jsonSchema' }).invoke([new HumanMessage('q')]);
    const direct = await invokeStructured(chat, schema, [new HumanMessage('q')], { name: 'answer_schema', prices: DEFAULT_PRICE_TABLE });
    expect(direct.value).toEqual(viaPipeline.parsed);
    expect(stub.requests).toHaveLength(2);
    // The same request body: the schema made strict JSON schema, its name and description, nothing else changed.
    expect(stub.requests[1]!.body).toEqual(stub.requests[0]!.body);
    expect(stub.requests[1]!.body['response_format']).toMatchObject({ type: 'json_schema', json_schema: { name: 'answer_schema', strict: true, description: 'The answer.' } });
  });

  it('re-asks once with the parse error when a JSON-schema answer is not JSON (direct call), and counts both calls', async () => {
    let calls = 0;
    stub.setHandler(() => (++calls === 1 ? { content: 'not json at all', usage: { prompt_tokens: 10, completion_tokens: 2 }, chunkChars: 4 } : { json: { answer: 42 }, usage: { prompt_tokens: 20, completion_tokens: 3 } }));
    const chat = provider().chatModel({ model: 'gpt-4o-mini' });
    const schema = z.object({ answer: z.number() });
    const streamed: string[] = [];
    const res = await invokeStructured(chat, schema, [new HumanMessage('q')], { name: 'answer_schema', prices: DEFAULT_PRICE_TABLE, stream: { field: 'answer', onDelta: (t) => streamed.push(t) } });
    expect(res.value).toEqual({ answer: 42 });
    expect(stub.requests).toHaveLength(2);
    expect(stub.requests[1]!.lastUser).toMatch(/could not be used/);
    expect(res.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 });
  });

  it('retries a 503 and then succeeds', async () => {
    let calls = 0;
    stub.setHandler(() => (++calls === 1 ? { status: 503, message: 'overloaded' } : { content: 'ok' }));
    const res = await invokeText(provider(2).chatModel({ model: 'gpt-4o-mini' }), [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE });
    expect(res.value).toBe('ok');
    expect(calls).toBe(2);
  });

  it('honours Retry-After on 429 before retrying', async () => {
    const seen: number[] = [];
    stub.setHandler(() => {
      seen.push(Date.now());
      return seen.length === 1 ? { status: 429, message: 'slow down', headers: { 'retry-after': '1' } } : { content: 'ok' };
    });
    const res = await invokeText(provider(1).chatModel({ model: 'gpt-4o-mini' }), [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE });
    expect(res.value).toBe('ok');
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(900);
  });

  it('does not retry a rejected key and reports LLM_ERROR', async () => {
    stub.setHandler(() => ({ status: 401, message: 'Incorrect API key provided' }));
    await expect(invokeText(provider(3).chatModel({ model: 'gpt-4o-mini' }), [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE })).rejects.toMatchObject({
      type: 'LLM_ERROR',
      retryable: false,
    });
    expect(stub.requests).toHaveLength(1);
  });

  it('times out a slow provider with TIMEOUT', async () => {
    stub.setHandler(() => ({ content: 'late', delayMs: 1500 }));
    const slow = createOpenAiProvider({ baseURL: stub.url, apiKey: 'k', timeoutMs: 200, maxRetries: 0, prices: DEFAULT_PRICE_TABLE });
    await expect(invokeText(slow.chatModel({ model: 'gpt-4o-mini' }), [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE })).rejects.toMatchObject({ type: 'TIMEOUT' });
  });

  it('is not configured without a key or base URL', () => {
    const p = createOpenAiProvider({ timeoutMs: 1000, maxRetries: 0, prices: DEFAULT_PRICE_TABLE });
    expect(p.configured).toBe(false);
    expect(() => p.chatModel({ model: 'gpt-4o-mini' })).toThrow(expect.objectContaining({ type: 'LLM_NOT_CONFIGURED' }));
  });
  it('reports each call to the observer with the stub\'s token counts, retries included in one call', async () => {
    const seen: LlmCallObservation[] = [];
    let calls = 0;
    stub.setHandler(() => (++calls === 1 ? { status: 503, message: 'overloaded' } : { json: { answer: 7 }, usage: { prompt_tokens: 120, completion_tokens: 30 } }));
    const llm = createOpenAiProvider({ baseURL: stub.url, apiKey: 'k', timeoutMs: 2000, maxRetries: 2, prices: DEFAULT_PRICE_TABLE, observer: (c) => seen.push(c) });
    const chat = withAgentName(llm, 'PeerAgent').chatModel({ model: 'gpt-4o-mini' });
    const res = await invokeStructured(chat, z.object({ answer: z.number() }), [new HumanMessage('q')], { name: 'answer_schema', prices: DEFAULT_PRICE_TABLE });
    expect(calls).toBe(2);
    expect(seen).toEqual([
      { model: 'gpt-4o-mini', agent: 'PeerAgent', outcome: 'success', duration_ms: expect.any(Number), prompt_tokens: 120, completion_tokens: 30, cost_usd: res.usage.cost_usd, error_type: null },
    ]);
    expect(seen[0]!.cost_usd).toBeCloseTo((120 * 0.15 + 30 * 0.6) / 1e6, 12);

    stub.setHandler(() => ({ status: 401, message: 'Incorrect API key provided' }));
    await expect(invokeText(chat, [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE })).rejects.toMatchObject({ type: 'LLM_ERROR' });
    expect(seen[1]).toMatchObject({ agent: 'PeerAgent', outcome: 'failure', error_type: 'LLM_ERROR', prompt_tokens: 0 });
  });

  it('streams the answer to onDelta, chunk by chunk, keeping the usage the metered path needs (OpenAI SSE chunks, include_usage)', async () => {
    const text = 'Prime numbers keep online banking safe because factoring is hard.';
    stub.setHandler(() => ({ content: text, usage: { prompt_tokens: 40, completion_tokens: 14 }, chunkChars: 7 }));
    const pieces: string[] = [];
    const meter = new UsageMeter({ max_tokens: 1000, max_cost_usd: null });
    const res = await runWithUsageMeter(meter, () =>
      invokeText(provider().chatModel({ model: 'gpt-4o-mini' }), [new HumanMessage('write')], { prices: DEFAULT_PRICE_TABLE, onDelta: (t) => pieces.push(t) }),
    );
    expect(stub.requests[0]!.body['stream']).toBe(true);
    expect(pieces.length).toBe(Math.ceil(text.length / 7));
    expect(pieces.join('')).toBe(text);
    expect(res.value).toBe(text);
    expect(res.usage).toMatchObject({ model: 'gpt-4o-mini', prompt_tokens: 40, completion_tokens: 14, total_tokens: 54 });
    expect(res.usage.cost_usd).toBeGreaterThan(0);
    // The task's meter saw the streamed call like any other, and the budget capped its completion.
    expect(meter.usages).toEqual([res.usage]);
    expect(stub.requests[0]!.body['max_tokens'] ?? stub.requests[0]!.body['max_completion_tokens']).toBe(1000);
  });

  it('without onDelta makes a plain (not streamed) call', async () => {
    await invokeText(provider().chatModel({ model: 'gpt-4o-mini' }), [new HumanMessage('q')], { prices: DEFAULT_PRICE_TABLE });
    expect(stub.requests[0]!.body['stream']).not.toBe(true);
  });

  it.each(['jsonSchema', 'functionCalling'] as const)('streams one string field of a structured answer (%s) and still parses and meters the whole answer', async (method) => {
    const answer = { language: 'python', content: 'def add(a, b):\n    return a + b  # "sum"', summary: 'Adds.' };
    stub.setHandler(() => ({ json: answer, usage: { prompt_tokens: 30, completion_tokens: 25 }, chunkChars: 5 }));
    const chat = createOpenAiProvider({ baseURL: stub.url, apiKey: 'sk-test-key', timeoutMs: 2000, maxRetries: 0, prices: DEFAULT_PRICE_TABLE, structuredOutput: method }).chatModel({ model: 'gpt-4o-mini' });
    const pieces: string[] = [];
    const schema = z.object({ language: z.string(), content: z.string(), summary: z.string() });
    const res = await invokeStructured(chat, schema, [new HumanMessage('code')], { name: 'code_answer', prices: DEFAULT_PRICE_TABLE, stream: { field: 'content', onDelta: (t) => pieces.push(t) } });
    expect(stub.requests[0]!.body['stream']).toBe(true);
    expect(res.value).toEqual(answer);
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(answer.content);
    expect(res.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 25 });
  });
});
