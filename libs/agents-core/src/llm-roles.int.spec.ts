// needs: nothing external; starts a local Anthropic Messages API stub and two local OpenAI-protocol stubs.
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { DEFAULT_OUTPUT_LIMITS, DEFAULT_PRICE_TABLE, estimateCost } from '@agent-orchestrator/domain';
import { z } from 'zod';
import { LlmRoles } from './llm-roles';
import { withAgentName, type LlmCallObservation } from './observe';
import { invokeStructured, invokeText } from './structured';
import { UsageMeter, runWithUsageMeter } from './usage-meter';
import { startAnthropicStub, startOpenAiStub, type AnthropicStub, type OpenAiStub } from './testing';

const prices = DEFAULT_PRICE_TABLE;
const answer = z.object({ answer: z.number() });

describe('LLM roles on two providers (real SDK paths against local stubs)', () => {
  let anthropic: AnthropicStub;
  let openai: OpenAiStub;
  let vllm: OpenAiStub;
  const seen: LlmCallObservation[] = [];

  beforeEach(async () => {
    seen.length = 0;
    anthropic = await startAnthropicStub(() => ({ content: 'hello from claude', usage: { prompt_tokens: 20, completion_tokens: 5 } }));
    openai = await startOpenAiStub(() => ({ content: 'hello from openai' }));
    vllm = await startOpenAiStub(() => ({ content: 'hello from vllm' }));
  });
  afterEach(async () => {
    await Promise.all([anthropic.close(), openai.close(), vllm.close()]);
  });

  const roles = (overrides: Partial<Parameters<typeof LlmRoles.create>[0]> = {}) =>
    LlmRoles.create({
      defaultProvider: 'openai',
      connections: { openai: { apiKey: 'sk-openai', baseURL: openai.url }, anthropic: { apiKey: 'sk-ant-test', baseURL: anthropic.url } },
      roles: {
        PEER: { model: 'gpt-4o-mini' },
        CONTENT: { model: 'anthropic:claude-haiku-4-5' },
        CODE: { baseURL: vllm.url, structuredOutput: 'functionCalling' },
      },
      timeoutMs: 2000,
      maxRetries: 0,
      prices,
      observer: (c) => seen.push(c),
      ...overrides,
    });

  it('sends each role to its own provider and base URL', async () => {
    const r = await roles();
    const peer = await invokeText(r.forRole('PEER').chatModel({ model: 'gpt-4o-mini' }), [new HumanMessage('route')], { prices });
    const content = await invokeText(r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-haiku-4-5' }), [new SystemMessage('be brief'), new HumanMessage('write')], { prices });
    const code = await invokeText(r.forRole('CODE').chatModel({ model: 'qwen2.5-coder:7b' }), [new HumanMessage('code')], { prices });
    expect([peer.value, content.value, code.value]).toEqual(['hello from openai', 'hello from claude', 'hello from vllm']);
    expect(openai.requests.map((q) => q.model)).toEqual(['gpt-4o-mini']);
    expect(vllm.requests.map((q) => q.model)).toEqual(['qwen2.5-coder:7b']);
    expect(anthropic.requests).toHaveLength(1);
    const req = anthropic.requests[0]!;
    expect(req).toMatchObject({ model: 'claude-haiku-4-5', system: 'be brief', lastUser: 'write' });
    expect(req.headers['x-api-key']).toBe('sk-ant-test');
    expect(req.headers['anthropic-version']).toEqual(expect.any(String));
    // Without a budget Anthropic gets the provider default (it requires max_tokens).
    expect(req.body['max_tokens']).toBe(8192);
    expect(content.usage).toEqual({ model: 'claude-haiku-4-5', prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, cost_usd: (20 * 1 + 5 * 5) / 1e6 });
  });

  it('asks Anthropic for structured output with a forced tool_use and validates it', async () => {
    anthropic.setHandler(() => ({ json: { answer: 42 }, usage: { prompt_tokens: 30, completion_tokens: 10 } }));
    const r = await roles();
    const res = await invokeStructured(r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-haiku-4-5' }), answer, [new HumanMessage('q')], { name: 'answer_schema', prices });
    expect(res.value).toEqual({ answer: 42 });
    const body = anthropic.requests[0]!.body;
    expect((body['tools'] as Array<{ name: string }>)[0]!.name).toBe('answer_schema');
    expect(body['tool_choice']).toMatchObject({ type: 'tool', name: 'answer_schema' });
  });

  it("uses Anthropic's native JSON schema output when the role asks for jsonSchema (no tool forced)", async () => {
    anthropic.setHandler(() => ({ json: { answer: 9 }, usage: { prompt_tokens: 30, completion_tokens: 6 } }));
    const r = await roles({ roles: { CONTENT: { model: 'anthropic:claude-sonnet-4-5', structuredOutput: 'jsonSchema' } } });
    const res = await invokeStructured(r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-sonnet-4-5' }), answer, [new HumanMessage('q')], { name: 'answer_schema', prices });
    expect(res.value).toEqual({ answer: 9 });
    const body = anthropic.requests[0]!.body;
    expect(body['tools']).toBeUndefined();
    expect(body['tool_choice']).toBeUndefined();
    // The Messages API's structured outputs: the schema as output_config.format, the answer as JSON text.
    expect(body['output_config']).toMatchObject({ format: { type: 'json_schema', schema: { type: 'object', properties: { answer: { type: 'number' } }, required: ['answer'] } } });
    expect(anthropic.requests).toHaveLength(1);
  });

  it('re-asks once with the parse error when the answer does not match, and counts both calls', async () => {
    let calls = 0;
    anthropic.setHandler(() => (++calls === 1 ? { json: { answer: 'forty-two' }, usage: { prompt_tokens: 30, completion_tokens: 10 } } : { json: { answer: 42 }, usage: { prompt_tokens: 50, completion_tokens: 10 } }));
    const r = await roles();
    const meter = new UsageMeter();
    const res = await runWithUsageMeter(meter, () =>
      invokeStructured(withAgentName(r.forRole('CONTENT'), 'ContentAgent').chatModel({ model: 'anthropic:claude-haiku-4-5' }), answer, [new HumanMessage('q')], { name: 'answer_schema', prices }),
    );
    expect(res.value).toEqual({ answer: 42 });
    expect(anthropic.requests).toHaveLength(2);
    expect(anthropic.requests[1]!.lastUser).toMatch(/could not be used/);
    expect(res.usage).toMatchObject({ prompt_tokens: 80, completion_tokens: 20, total_tokens: 100 });
    expect(meter.usages).toHaveLength(2);
    expect(seen).toEqual([expect.objectContaining({ agent: 'ContentAgent', outcome: 'success', prompt_tokens: 80, completion_tokens: 20 })]);
  });

  it('fails with LLM_ERROR when the re-asked answer does not match either', async () => {
    anthropic.setHandler(() => ({ json: { answer: 'no' } }));
    const r = await roles();
    await expect(invokeStructured(r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-haiku-4-5' }), answer, [new HumanMessage('q')], { name: 'answer_schema', prices })).rejects.toMatchObject({
      type: 'LLM_ERROR',
      message: expect.stringMatching(/does not match the answer_schema schema, twice/),
    });
    expect(anthropic.requests).toHaveLength(2);
  });

  it('uses the role\'s structured-output override on an OpenAI-compatible server (tool calling instead of json_schema)', async () => {
    vllm.setHandler(() => ({ json: { answer: 7 } }));
    const r = await roles();
    const res = await invokeStructured(r.forRole('CODE').chatModel({ model: 'qwen2.5-coder:7b' }), answer, [new HumanMessage('q')], { name: 'answer_schema', prices });
    expect(res.value).toEqual({ answer: 7 });
    expect(vllm.requests[0]!.body['response_format']).toBeUndefined();
    expect(vllm.requests[0]!.schemaName).toBe('answer_schema');
  });

  it('uses LLM_STRUCTURED_OUTPUT for every role that sets none', async () => {
    openai.setHandler(() => ({ json: { answer: 1 } }));
    const r = await roles({ structuredOutput: 'jsonMode' });
    await invokeStructured(r.forRole('PEER').chatModel({ model: 'gpt-4o-mini' }), answer, [new SystemMessage('answer in JSON'), new HumanMessage('q')], { name: 'answer_schema', prices });
    expect((openai.requests[0]!.body['response_format'] as { type: string }).type).toBe('json_object');
  });

  it('caps max_tokens under a large budget at the model\'s output limit (and the provider default)', async () => {
    openai.setHandler(() => ({ content: 'ok', usage: { prompt_tokens: 1, completion_tokens: 1 } }));
    const r = await roles({ outputLimits: { ...DEFAULT_OUTPUT_LIMITS, 'my-model': 1000 } });
    const meter = new UsageMeter({ max_tokens: 5_000_000, max_cost_usd: null });
    await runWithUsageMeter(meter, async () => {
      await invokeText(r.forRole('PEER').chatModel({ model: 'gpt-4o-mini-2024-07-18' }), [new HumanMessage('q')], { prices });
      await invokeText(r.forRole('PEER').chatModel({ model: 'my-model' }), [new HumanMessage('q')], { prices });
      await invokeText(r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-haiku-4-5' }), [new HumanMessage('q')], { prices });
    });
    const sent = (q: { body: Record<string, unknown> }) => q.body['max_tokens'] ?? q.body['max_completion_tokens'];
    expect(openai.requests.map(sent)).toEqual([16_384, 1000]);
    expect(sent(anthropic.requests[0]!)).toBe(8192);
    // A small budget still caps below the limit.
    const small = new UsageMeter({ max_tokens: 500, max_cost_usd: null });
    await runWithUsageMeter(small, () => invokeText(r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-haiku-4-5' }), [new HumanMessage('q')], { prices }));
    expect(sent(anthropic.requests[1]!)).toBe(500);
  });

  it('retries an overloaded Anthropic (529) and does not retry a rejected key', async () => {
    let calls = 0;
    anthropic.setHandler(() => (++calls === 1 ? { status: 529, message: 'Overloaded' } : { content: 'ok' }));
    const r = await roles({ maxRetries: 2 });
    const chat = r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-haiku-4-5' });
    expect((await invokeText(chat, [new HumanMessage('q')], { prices })).value).toBe('ok');
    expect(calls).toBe(2);
    anthropic.setHandler(() => ({ status: 401, message: 'invalid x-api-key' }));
    await expect(invokeText(chat, [new HumanMessage('q')], { prices })).rejects.toMatchObject({ type: 'LLM_ERROR', retryable: false });
    expect(anthropic.requests).toHaveLength(3);
  });

  it('times out a slow Anthropic with TIMEOUT', async () => {
    anthropic.setHandler(() => ({ content: 'late', delayMs: 1500 }));
    const r = await roles({ timeoutMs: 200 });
    await expect(invokeText(r.forRole('CONTENT').chatModel({ model: 'anthropic:claude-haiku-4-5' }), [new HumanMessage('q')], { prices })).rejects.toMatchObject({ type: 'TIMEOUT' });
  });
});

describe('Anthropic streaming (the Messages API with stream: true, through @langchain/anthropic)', () => {
  let anthropic: AnthropicStub;
  const seen: LlmCallObservation[] = [];
  const essay = 'Claude writes this answer in pieces, and every piece reaches onDelta before the call returns.';

  beforeEach(async () => {
    seen.length = 0;
    anthropic = await startAnthropicStub(() => ({ content: essay, usage: { prompt_tokens: 40, completion_tokens: 24 }, chunkChars: 10 }));
  });
  afterEach(async () => {
    await anthropic.close();
  });

  const chat = async () =>
    withAgentName(
      (
        await LlmRoles.create({
          defaultProvider: 'anthropic',
          connections: { anthropic: { apiKey: 'sk-ant-test', baseURL: anthropic.url } },
          roles: { CONTENT: { model: 'claude-haiku-4-5-20251001' } },
          timeoutMs: 2000,
          maxRetries: 0,
          prices,
          observer: (c) => seen.push(c),
        })
      ).forRole('CONTENT'),
      'ContentAgent',
    ).chatModel({ model: 'claude-haiku-4-5-20251001' });

  it('streams a text answer as deltas (text_delta events) and records its tokens and cost (a dated id priced as its base model)', async () => {
    const deltas: string[] = [];
    const meter = new UsageMeter();
    const res = await runWithUsageMeter(meter, async () => invokeText(await chat(), [new HumanMessage('write')], { prices, onDelta: (t) => deltas.push(t) }));
    expect(anthropic.requests[0]!.body['stream']).toBe(true);
    expect(deltas.length).toBeGreaterThanOrEqual(Math.ceil(essay.length / 10));
    expect(deltas.join('')).toBe(essay);
    expect(res.value).toBe(essay);
    // input_tokens from message_start; output_tokens is cumulative in message_delta, after message_start's first token
    // (LangChain's joined chunks would say 25).
    const counts = { prompt_tokens: 40, completion_tokens: 24 };
    expect(res.usage).toEqual({ model: 'claude-haiku-4-5-20251001', ...counts, total_tokens: 64, cost_usd: estimateCost('claude-haiku-4-5', counts, prices) });
    expect(res.usage.cost_usd).toBeGreaterThan(0);
    expect(meter.usages).toEqual([res.usage]);
    expect(seen).toEqual([expect.objectContaining({ agent: 'ContentAgent', model: 'claude-haiku-4-5-20251001', outcome: 'success', prompt_tokens: 40, completion_tokens: 24 })]);
  });

  it('streams one field of a structured answer (a forced tool_use, input_json_delta events) once, and parses the whole', async () => {
    const schema = z.object({ content: z.string(), summary: z.string() });
    anthropic.setHandler(() => ({ json: { content: essay, summary: 'short' }, usage: { prompt_tokens: 60, completion_tokens: 30 }, chunkChars: 7 }));
    const deltas: string[] = [];
    const res = await invokeStructured(await chat(), schema, [new HumanMessage('write')], { name: 'essay_answer', prices, stream: { field: 'content', onDelta: (t) => deltas.push(t) } });
    const body = anthropic.requests[0]!.body;
    expect(body['stream']).toBe(true);
    expect(body['tool_choice']).toMatchObject({ type: 'tool', name: 'essay_answer' });
    // One call: the streamed tool input is read from the joined tool call, not re-asked.
    expect(anthropic.requests).toHaveLength(1);
    expect(res.value).toEqual({ content: essay, summary: 'short' });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(essay);
    expect(res.usage).toMatchObject({ prompt_tokens: 60, completion_tokens: 30, total_tokens: 90, cost_usd: estimateCost('claude-haiku-4-5', { prompt_tokens: 60, completion_tokens: 30 }, prices) });
  });

  it('maps a stream refused with 529 (overloaded) to a retryable LLM_ERROR', async () => {
    anthropic.setHandler(() => ({ status: 529, message: 'Overloaded' }));
    await expect(invokeText(await chat(), [new HumanMessage('write')], { prices, onDelta: () => undefined })).rejects.toMatchObject({ type: 'LLM_ERROR', retryable: true });
  });
});
