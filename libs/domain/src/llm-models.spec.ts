import { DEFAULT_OUTPUT_LIMITS, FALLBACK_OUTPUT_LIMIT, outputLimitOf, parseModelRef, priceOf, unpricedModels } from './llm-models';
import { DEFAULT_PRICE_TABLE, estimateCost } from './usage';

describe('LLM model references, prices and output limits', () => {
  it('reads a known provider prefix and leaves Ollama tags whole', () => {
    expect(parseModelRef('anthropic:claude-haiku-4-5')).toEqual({ provider: 'anthropic', model: 'claude-haiku-4-5' });
    expect(parseModelRef('openai:gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o' });
    expect(parseModelRef('llama3.1:8b')).toEqual({ provider: null, model: 'llama3.1:8b' });
    expect(parseModelRef('gpt-4o-mini')).toEqual({ provider: null, model: 'gpt-4o-mini' });
  });

  it('prices dated ids as their base model', () => {
    expect(priceOf('gpt-4o-mini-2024-07-18', DEFAULT_PRICE_TABLE)).toBe(DEFAULT_PRICE_TABLE['gpt-4o-mini']);
    expect(priceOf('claude-3-5-haiku-20241022', DEFAULT_PRICE_TABLE)).toBe(DEFAULT_PRICE_TABLE['claude-3-5-haiku']);
    expect(priceOf('claude-3-5-haiku-latest', DEFAULT_PRICE_TABLE)).toBe(DEFAULT_PRICE_TABLE['claude-3-5-haiku']);
    expect(priceOf('anthropic:claude-sonnet-4-5', DEFAULT_PRICE_TABLE)).toBe(DEFAULT_PRICE_TABLE['claude-sonnet-4-5']);
    expect(estimateCost('gpt-4o-mini-2024-07-18', { prompt_tokens: 1_000_000, completion_tokens: 0 }, DEFAULT_PRICE_TABLE)).toBe(0.15);
    expect(priceOf('toString', DEFAULT_PRICE_TABLE)).toBeUndefined();
  });

  it('lists the models without a price, once each', () => {
    expect(unpricedModels(['gpt-4o-mini', 'llama3.1:8b', 'llama3.1:8b', 'gpt-4o-2024-08-06'], DEFAULT_PRICE_TABLE)).toEqual(['llama3.1:8b']);
  });

  it('knows output limits, dated ids included, and falls back for unknown models', () => {
    expect(outputLimitOf('gpt-4o-mini')).toBe(16_384);
    expect(outputLimitOf('claude-3-5-haiku-20241022')).toBe(8192);
    expect(outputLimitOf('my-model')).toBe(FALLBACK_OUTPUT_LIMIT);
    expect(outputLimitOf('my-model', { ...DEFAULT_OUTPUT_LIMITS, 'my-model': 100 })).toBe(100);
    // Every priced model has an output limit.
    expect(Object.keys(DEFAULT_PRICE_TABLE).filter((m) => DEFAULT_OUTPUT_LIMITS[m] === undefined)).toEqual([]);
  });
});
