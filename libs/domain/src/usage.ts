import { priceOf } from './llm-models';

/** Token usage reported by a model provider for one or more calls. */
export interface TokenCounts {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * Tokens and their estimated cost: the totals every usage figure carries (a call, a task, a day).
 * `cost_usd` is null when it is unknown: a call to a model the price table cannot price, and any
 * total one such call is part of (an unknown cost is never counted as $0).
 */
export interface UsageTotals extends TokenCounts {
  cost_usd: number | null;
}

export interface ModelUsage extends UsageTotals {
  model: string;
}

export interface TaskUsage extends UsageTotals {
  by_model: ModelUsage[];
}

/** Price in US dollars per one million tokens. */
export interface ModelPrice {
  input_per_million: number;
  output_per_million: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Public list prices of the OpenAI and Anthropic models, per 1M tokens; dated ids
 * (`gpt-4o-mini-2024-07-18`, `claude-3-5-haiku-20241022`) are priced as their base model.
 * Estimates only: override with `LLM_PRICES` when they change or for other models.
 */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  'gpt-4o': { input_per_million: 2.5, output_per_million: 10 },
  'gpt-4o-mini': { input_per_million: 0.15, output_per_million: 0.6 },
  'gpt-4.1': { input_per_million: 2, output_per_million: 8 },
  'gpt-4.1-mini': { input_per_million: 0.4, output_per_million: 1.6 },
  'gpt-4.1-nano': { input_per_million: 0.1, output_per_million: 0.4 },
  'gpt-5': { input_per_million: 1.25, output_per_million: 10 },
  'gpt-5-mini': { input_per_million: 0.25, output_per_million: 2 },
  'gpt-5-nano': { input_per_million: 0.05, output_per_million: 0.4 },
  'claude-3-5-haiku': { input_per_million: 0.8, output_per_million: 4 },
  'claude-haiku-4-5': { input_per_million: 1, output_per_million: 5 },
  'claude-3-7-sonnet': { input_per_million: 3, output_per_million: 15 },
  'claude-sonnet-4': { input_per_million: 3, output_per_million: 15 },
  'claude-sonnet-4-0': { input_per_million: 3, output_per_million: 15 },
  'claude-sonnet-4-5': { input_per_million: 3, output_per_million: 15 },
  'claude-opus-4': { input_per_million: 15, output_per_million: 75 },
  'claude-opus-4-0': { input_per_million: 15, output_per_million: 75 },
  'claude-opus-4-1': { input_per_million: 15, output_per_million: 75 },
};

/** Costs are kept to 1e-8 dollars, so sums of many small costs do not gather float noise. */
export const roundCost = (n: number): number => Math.round(n * 1e8) / 1e8;
const round = roundCost;

/**
 * Estimated cost of `counts` on `model` (a dated id priced as its base model); null (unknown) for a
 * model missing from the table: the worker warns once per such model, and the api refuses a
 * `max_cost_usd` budget while a configured model has none.
 */
export function estimateCost(model: string, counts: Pick<TokenCounts, 'prompt_tokens' | 'completion_tokens'>, prices: PriceTable): number | null {
  const price = priceOf(model, prices);
  if (!price) return null;
  return round((counts.prompt_tokens * price.input_per_million + counts.completion_tokens * price.output_per_million) / 1_000_000);
}

export function modelUsage(model: string, counts: Pick<TokenCounts, 'prompt_tokens' | 'completion_tokens'>, prices: PriceTable): ModelUsage {
  return {
    model,
    prompt_tokens: counts.prompt_tokens,
    completion_tokens: counts.completion_tokens,
    total_tokens: counts.prompt_tokens + counts.completion_tokens,
    cost_usd: estimateCost(model, counts, prices),
  };
}

export function emptyUsage(): TaskUsage {
  return { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] };
}

/** The totals of `usage` alone (a model, an agent or a day), without whatever else it carries. */
export function usageTotals(usage: UsageTotals): UsageTotals {
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens, cost_usd: usage.cost_usd };
}

/** The sum of two costs: unknown (null) when either is (rounded). */
export function addCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : round(a + b);
}

/** The sum of totals: the cost rounded, and unknown (null) when one of the rows' is. */
export function addUsage(rows: readonly UsageTotals[]): UsageTotals {
  const t = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  let cost: number | null = 0;
  for (const r of rows) {
    t.prompt_tokens += r.prompt_tokens;
    t.completion_tokens += r.completion_tokens;
    t.total_tokens += r.total_tokens;
    cost = cost === null || r.cost_usd === null ? null : cost + r.cost_usd;
  }
  return { ...t, cost_usd: cost === null ? null : round(cost) };
}

/** Folds per-call usages into task totals, one entry per model (a model's cost unknown when one of its calls' is). */
export function sumUsage(usages: readonly ModelUsage[]): TaskUsage {
  const byModel = new Map<string, ModelUsage>();
  for (const u of usages) {
    const acc: ModelUsage = byModel.get(u.model) ?? { model: u.model, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0 };
    acc.prompt_tokens += u.prompt_tokens;
    acc.completion_tokens += u.completion_tokens;
    acc.total_tokens += u.total_tokens;
    acc.cost_usd = addCost(acc.cost_usd, u.cost_usd);
    byModel.set(u.model, acc);
  }
  const by_model = [...byModel.values()];
  return { ...addUsage(by_model), by_model };
}
