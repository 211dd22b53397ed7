import { ConfigError } from '@agent-orchestrator/domain';
import { HumanMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { ChatOpenAI } from '@langchain/openai';
import { callPolicyOf } from './llm';
import { LlmRoles, llmRoleOf } from './llm-roles';
import { LLM_PROVIDER_TABLE, loadChatModelFactory } from './providers';
import { invokeStructured } from './structured';
import { scriptedLlmProvider } from './testing';

const prices = {};

describe('LLM provider table', () => {
  it('names a structured-output method and a package per provider', () => {
    expect(LLM_PROVIDER_TABLE.openai).toMatchObject({ package: '@langchain/openai', structuredOutput: 'jsonSchema' });
    expect(LLM_PROVIDER_TABLE.anthropic).toMatchObject({ package: '@langchain/anthropic', structuredOutput: 'functionCalling' });
  });

  it('stops the boot with "install X" when a provider package is missing', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find module '@langchain/anthropic'"), { code: 'MODULE_NOT_FOUND' }));
    const err = await loadChatModelFactory('anthropic', missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('The LLM provider "anthropic" needs @langchain/anthropic, which is not installed: run `npm install @langchain/anthropic`.');
    const broken = await loadChatModelFactory('anthropic', async () => ({})).catch((e: unknown) => e);
    expect((broken as Error).message).toMatch(/failed to load: it does not export ChatAnthropic/);
  });

  it('imports only the providers the roles name', async () => {
    const imported: string[] = [];
    const importer = (s: string) => (imported.push(s), import(s));
    await LlmRoles.create({ defaultProvider: 'openai', connections: {}, roles: { PEER: {} }, timeoutMs: 1000, maxRetries: 0, prices, importer });
    expect(imported).toEqual(['@langchain/openai']);
    await LlmRoles.create({ defaultProvider: 'openai', connections: {}, roles: { CONTENT: { model: 'anthropic:claude-haiku-4-5' } }, timeoutMs: 1000, maxRetries: 0, prices, importer });
    expect(imported).toEqual(['@langchain/openai', '@langchain/openai', '@langchain/anthropic']);
  });

  it('resolves a role\'s provider: model prefix, then the role\'s provider, then the default; and checks a non-OpenAI role names its model', async () => {
    const roles = await LlmRoles.create({
      defaultProvider: 'openai',
      connections: { openai: { baseURL: 'http://openai.test/v1' }, anthropic: { apiKey: 'k' } },
      roles: { CONTENT: { model: 'anthropic:claude-haiku-4-5' }, CODE: { provider: 'anthropic' }, TEST: { baseURL: 'http://vllm.test/v1' } },
      timeoutMs: 1000,
      maxRetries: 0,
      prices,
    });
    expect(roles.resolve('CONTENT')).toEqual({ provider: 'anthropic', model: 'claude-haiku-4-5', baseURL: undefined });
    expect(roles.resolve('TEST')).toEqual({ provider: 'openai', model: undefined, baseURL: 'http://vllm.test/v1' });
    expect(roles.resolve('PEER')).toEqual({ provider: 'openai', model: undefined, baseURL: 'http://openai.test/v1' });
    expect(() => roles.check('CODE')).toThrow(/LLM_CODE_MODEL must be set: the CODE role uses the anthropic provider/);
    expect(() => roles.check('CONTENT')).not.toThrow();
    expect(roles.forRole('CONTENT').configured).toBe(true);
  });

  it('reuses one chat model per role and options, and shares one limiter per provider connection', async () => {
    let made = 0;
    const CountingChatOpenAI = class extends ChatOpenAI {
      constructor(fields: ConstructorParameters<typeof ChatOpenAI>[0]) {
        super(fields);
        made++;
      }
    };
    const roles = await LlmRoles.create({
      defaultProvider: 'openai',
      connections: { openai: { apiKey: 'sk-test', baseURL: 'http://openai.test/v1' } },
      roles: { PEER: {}, CONTENT: {}, TEST: { baseURL: 'http://vllm.test/v1' } },
      timeoutMs: 1000,
      maxRetries: 0,
      prices,
      limits: { maxConcurrent: 4, perMinute: 100 },
      importer: async () => ({ ChatOpenAI: CountingChatOpenAI }),
    });
    const peer = roles.forRole('PEER');
    const first = peer.chatModel({ model: 'gpt-4o-mini' });
    expect(peer.chatModel({ model: 'gpt-4o-mini' })).toBe(first);
    expect(made).toBe(1);
    expect(peer.chatModel({ model: 'gpt-4o-mini', temperature: 0.2 })).not.toBe(first);
    const content = roles.forRole('CONTENT').chatModel({ model: 'gpt-4o-mini' });
    expect(content).not.toBe(first); // its own instance: agent names are bound per instance
    const limiter = callPolicyOf(first).limiter;
    expect(limiter?.limits).toEqual({ maxConcurrent: 4, perMinute: 100 });
    expect(callPolicyOf(content).limiter).toBe(limiter);
    const vllm = callPolicyOf(roles.forRole('TEST').chatModel({ model: 'qwen2.5:7b' })).limiter;
    expect(vllm).toBeDefined();
    expect(vllm).not.toBe(limiter);

    const unlimited = await LlmRoles.create({ defaultProvider: 'openai', connections: { openai: { apiKey: 'sk-test' } }, roles: { PEER: {} }, timeoutMs: 1000, maxRetries: 0, prices, limits: { maxConcurrent: 0, perMinute: 0 } });
    expect(callPolicyOf(unlimited.forRole('PEER').chatModel({ model: 'gpt-4o-mini' })).limiter).toBeUndefined();
  });

  it('finds an agent\'s role from the settings it declares', () => {
    expect(llmRoleOf({ agent_type: 'content', settings: ['TAVILY_*', 'LLM_CONTENT_MODEL'] })).toBe('CONTENT');
    expect(llmRoleOf({ agent_type: 'data-viz' })).toBe('DATA_VIZ');
  });
});

describe('structured output on the scripted fake (as LangChain does it)', () => {
  it('re-asks once with the parse error, then succeeds', async () => {
    const answers = ['not json', JSON.stringify({ answer: 1 })];
    const llm = scriptedLlmProvider(() => answers.shift()!);
    const chat = llm.chatModel({ model: 'm' });
    const res = await invokeStructured(chat, z.object({ answer: z.number() }), [new HumanMessage('q')], { name: 'answer', prices });
    expect(res.value).toEqual({ answer: 1 });
    expect(llm.models[0]!.calls).toHaveLength(2);
    const reask = llm.models[0]!.calls[1]!;
    expect(reask.map((m) => m.getType())).toEqual(['human', 'ai', 'human']);
    expect(String(reask[2]!.content)).toMatch(/could not be used: .*not json/s);
  });

  it('throws an OutputParserException without includeRaw, like LangChain', async () => {
    const chat = scriptedLlmProvider(() => '{"answer":"x"}').chatModel({ model: 'm' });
    await expect(chat.withStructuredOutput(z.object({ answer: z.number() })).invoke([new HumanMessage('q')])).rejects.toThrow(/Failed to parse/);
  });
});
