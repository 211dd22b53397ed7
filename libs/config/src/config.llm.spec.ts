import { ConfigError, DEFAULT_OUTPUT_LIMITS } from '@agent-orchestrator/domain';
import { loadApiConfig } from './api.config';
import { loadWorkerConfig } from './worker.config';

const base = { MONGO_URI: 'mongodb://127.0.0.1:27017', REDIS_URL: 'redis://127.0.0.1:6379' };

const problems = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return ((err as ConfigError).details ?? []).map((d) => `${d.field}: ${d.message}`);
  }
  throw new Error('expected a ConfigError');
};

describe('LLM providers per role', () => {
  it('keeps today\'s variables working: OpenAI for every role', () => {
    const c = loadWorkerConfig({ ...base, OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://vllm:8000/v1', LLM_PEER_MODEL: 'gpt-4.1-mini', LLM_CONTENT_MODEL: 'gpt-4o' });
    expect(c.llm).toMatchObject({ provider: 'openai', apiKey: 'sk-x', baseURL: 'http://vllm:8000/v1', peerModel: 'gpt-4.1-mini', structuredOutput: undefined, outputLimits: DEFAULT_OUTPUT_LIMITS });
    expect(c.llm.roles).toEqual({ PEER: { model: 'gpt-4.1-mini' }, CONTENT: { model: 'gpt-4o' } });
  });

  it('reads two roles on two providers, each with its own server and structured-output method', () => {
    const c = loadWorkerConfig({
      ...base,
      LLM_PEER_MODEL: 'qwen2.5:7b',
      LLM_PEER_BASE_URL: 'http://vllm:8000/v1',
      LLM_PEER_STRUCTURED_OUTPUT: 'functionCalling',
      LLM_CONTENT_MODEL: 'anthropic:claude-sonnet-4-5',
      LLM_CODE_PROVIDER: 'anthropic',
      LLM_CODE_MODEL: 'claude-haiku-4-5',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999',
      LLM_STRUCTURED_OUTPUT: 'jsonMode',
      LLM_OUTPUT_LIMITS: '{"qwen2.5:7b":8192}',
    });
    expect(c.llm.roles).toEqual({
      PEER: { model: 'qwen2.5:7b', baseURL: 'http://vllm:8000/v1', structuredOutput: 'functionCalling' },
      CONTENT: { model: 'anthropic:claude-sonnet-4-5' },
      CODE: { provider: 'anthropic', model: 'claude-haiku-4-5' },
    });
    expect(c.llm.anthropic).toEqual({ apiKey: 'sk-ant', baseURL: 'http://127.0.0.1:9999' });
    expect(c.llm.structuredOutput).toBe('jsonMode');
    expect(c.llm.outputLimits['qwen2.5:7b']).toBe(8192);
    expect(c.llm.outputLimits['gpt-4o-mini']).toBe(16_384);
  });

  it('refuses at boot what cannot work, naming each variable', () => {
    expect(
      problems(() =>
        loadWorkerConfig({
          ...base,
          LLM_PROVIDER: 'mistral',
          LLM_CODE_PROVIDER: 'anthropic',
          LLM_TEST_MODEL: 'anthropic:claude-haiku-4-5',
          LLM_TEST_PROVIDER: 'openai',
          LLM_CONTENT_STRUCTURED_OUTPUT: 'xml',
          LLM_CONTENT_BASE_URL: 'ftp://x',
          LLM_OUTPUT_LIMITS: '{"m":0}',
        }),
      ).sort(),
    ).toEqual([
      'LLM_CODE_MODEL: LLM_CODE_MODEL must be set: the CODE role uses the anthropic provider, and the built-in default models are OpenAI ones',
      'LLM_CONTENT_BASE_URL: LLM_CONTENT_BASE_URL must be a http: or https: URL',
      'LLM_CONTENT_STRUCTURED_OUTPUT: LLM_CONTENT_STRUCTURED_OUTPUT must be one of jsonSchema, functionCalling, jsonMode (got "xml")',
      'LLM_OUTPUT_LIMITS: LLM_OUTPUT_LIMITS must be JSON like {"my-model":8192} (bad limit for m)',
      'LLM_PROVIDER: LLM_PROVIDER must be one of openai, anthropic (got "mistral")',
      'LLM_TEST_MODEL: LLM_TEST_MODEL names the anthropic provider but LLM_TEST_PROVIDER is openai',
    ]);
  });

  it('needs the router\'s model when the default provider is not OpenAI', () => {
    expect(problems(() => loadWorkerConfig({ ...base, LLM_PROVIDER: 'anthropic' }))).toEqual([expect.stringMatching(/^LLM_PEER_MODEL: LLM_PEER_MODEL must be set/)]);
    expect(loadWorkerConfig({ ...base, LLM_PROVIDER: 'anthropic', LLM_PEER_MODEL: 'claude-haiku-4-5' }).llm.provider).toBe('anthropic');
  });

  it('gives the api the configured models and those without a price', () => {
    expect(loadApiConfig(base).llm).toMatchObject({ models: ['gpt-4o-mini'], unpricedModels: [] });
    const c = loadApiConfig({ ...base, LLM_PEER_MODEL: 'gpt-4o-mini-2024-07-18', LLM_CONTENT_MODEL: 'anthropic:claude-haiku-4-5', LLM_CODE_MODEL: 'llama3.1:8b' });
    expect(c.llm.models).toEqual(['gpt-4o-mini-2024-07-18', 'claude-haiku-4-5', 'llama3.1:8b']);
    expect(c.llm.unpricedModels).toEqual(['llama3.1:8b']);
    expect(loadApiConfig({ ...base, LLM_CODE_MODEL: 'llama3.1:8b', LLM_PRICES: '{"llama3.1:8b":{"input_per_million":0,"output_per_million":0}}' }).llm.unpricedModels).toEqual([]);
  });
});
