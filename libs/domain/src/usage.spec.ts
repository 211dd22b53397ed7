import { DEFAULT_PRICE_TABLE, addCost, addUsage, estimateCost, modelUsage, sumUsage } from './usage';

describe('cost estimation', () => {
  it('prices input and output tokens per million', () => {
    expect(estimateCost('gpt-4o-mini', { prompt_tokens: 1_000_000, completion_tokens: 1_000_000 }, DEFAULT_PRICE_TABLE)).toBeCloseTo(0.75, 10);
    expect(estimateCost('gpt-4o-mini', { prompt_tokens: 1000, completion_tokens: 500 }, DEFAULT_PRICE_TABLE)).toBeCloseTo(0.00045, 10);
  });

  it('is unknown (null), not $0, for a model missing from the table', () => {
    expect(estimateCost('local-llama', { prompt_tokens: 5000, completion_tokens: 5000 }, DEFAULT_PRICE_TABLE)).toBeNull();
    expect(modelUsage('llama3.1:8b', { prompt_tokens: 10, completion_tokens: 5 }, DEFAULT_PRICE_TABLE)).toEqual({ model: 'llama3.1:8b', prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: null });
  });

  it('prices a dated id as its base model', () => {
    expect(estimateCost('gpt-4o-mini-2024-07-18', { prompt_tokens: 1000, completion_tokens: 500 }, DEFAULT_PRICE_TABLE)).toBe(estimateCost('gpt-4o-mini', { prompt_tokens: 1000, completion_tokens: 500 }, DEFAULT_PRICE_TABLE));
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
    expect(total.cost_usd).toBeCloseTo(2 * a.cost_usd! + b.cost_usd!, 10);
  });

  it('leaves a model and the total unknown once one call could not be priced, the tokens still counted', () => {
    const priced = modelUsage('gpt-4o-mini', { prompt_tokens: 100, completion_tokens: 20 }, DEFAULT_PRICE_TABLE);
    const unpriced = modelUsage('llama3.1:8b', { prompt_tokens: 30, completion_tokens: 10 }, DEFAULT_PRICE_TABLE);
    const total = sumUsage([priced, unpriced, unpriced]);
    expect(total).toMatchObject({ prompt_tokens: 160, completion_tokens: 40, total_tokens: 200, cost_usd: null });
    expect(total.by_model).toEqual([
      { ...priced },
      { model: 'llama3.1:8b', prompt_tokens: 60, completion_tokens: 20, total_tokens: 80, cost_usd: null },
    ]);
  });

  it('adds costs: unknown as soon as one part is', () => {
    expect(addCost(0.1, 0.2)).toBe(0.3);
    expect([addCost(null, 0.2), addCost(0.1, null)]).toEqual([null, null]);
    const row = (cost_usd: number | null) => ({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, cost_usd });
    expect(addUsage([row(0.1), row(0.2)])).toEqual({ prompt_tokens: 2, completion_tokens: 2, total_tokens: 4, cost_usd: 0.3 });
    expect(addUsage([row(0.1), row(null)]).cost_usd).toBeNull();
    expect(addUsage([]).cost_usd).toBe(0);
  });

  it('is all zeros for no calls', () => {
    expect(sumUsage([])).toEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] });
  });
});
