import { DEFAULT_PRICE_TABLE, estimateCost, modelUsage, sumUsage } from './usage';

describe('cost estimation', () => {
  it('prices input and output tokens per million', () => {
    expect(estimateCost('gpt-4o-mini', { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 }, DEFAULT_PRICE_TABLE)).toBeCloseTo(0.75, 10);
    expect(estimateCost('gpt-4o-mini', { prompt_tokens: 1000, completion_tokens: 500 }, DEFAULT_PRICE_TABLE)).toBeCloseTo(0.00045, 10);
  });

  it('costs nothing for a model missing from the table', () => {
    expect(estimateCost('local-llama', { prompt_tokens: 5000, completion_tokens: 5000 }, DEFAULT_PRICE_TABLE)).toBe(0);
  });

  it('builds a model usage with its total', () => {
    expect(modelUsage('gpt-4o', { prompt_tokens: 10, completion_tokens: 5 }, DEFAULT_PRICE_TABLE)).toEqual({
      model: 'gpt-4o',
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      cost_usd: 0.000075,
    });
  });
});

describe('sumUsage', () => {
  it('folds calls into totals with one entry per model', () => {
    const a = modelUsage('gpt-4o-mini', { prompt_tokens: 100, completion_tokens: 20 }, DEFAULT_PRICE_TABLE);
    const b = modelUsage('gpt-4o', { prompt_tokens: 50, completion_tokens: 10 }, DEFAULT_PRICE_TABLE);
    const total = sumUsage([a, b, a]);
    expect(total.by_model.map((u) => [u.model, u.prompt_tokens, u.completion_tokens, u.total_tokens])).toEqual([
      ['gpt-4o-mini', 200, 40, 240],
      ['gpt-4o', 50, 10, 60],
    ]);
    expect(total).toMatchObject({ prompt_tokens: 250, completion_tokens: 50, total_tokens: 300 });
    expect(total.cost_usd).toBeCloseTo(2 * a.cost_usd + b.cost_usd, 10);
  });

  it('is all zeros for no calls', () => {
    expect(sumUsage([])).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] });
  });
});
