/**
 * What the apps need to know about LLM models without talking to one: which
 * provider a model reference names (`anthropic:claude-haiku-4-5`), its price
 * (dated ids such as `gpt-4o-mini-2024-07-18` priced as their base model) and
 * its output limit (a call's `max_tokens` never goes above it).
 */
import type { ModelPrice, PriceTable } from './usage';

/** The providers the worker can build chat models for (agents-core's provider table). */
export const LLM_PROVIDER_NAMES = ['openai', 'anthropic'] as const;
export type LlmProviderName = (typeof LLM_PROVIDER_NAMES)[number];

/** How a structured answer is asked for: a JSON schema response format, a forced tool call, or plain JSON mode. */
export const STRUCTURED_OUTPUT_METHODS = ['jsonSchema', 'functionCalling', 'jsonMode'] as const;
export type StructuredOutputMethod = (typeof STRUCTURED_OUTPUT_METHODS)[number];

export const isLlmProviderName = (value: string): value is LlmProviderName => (LLM_PROVIDER_NAMES as readonly string[]).includes(value);

export interface ModelRef {
  /** Null when the reference names none: the role's (or the default) provider applies. */
  provider: LlmProviderName | null;
  model: string;
}

/**
 * `anthropic:claude-haiku-4-5` → anthropic + claude-haiku-4-5. Only a known
 * provider name counts as a prefix, so Ollama tags such as `llama3.1:8b` stay whole.
 */
export function parseModelRef(value: string): ModelRef {
  const colon = value.indexOf(':');
  if (colon > 0) {
    const prefix = value.slice(0, colon);
    if (isLlmProviderName(prefix)) return { provider: prefix, model: value.slice(colon + 1) };
  }
  return { provider: null, model: value };
}

/** Date and alias suffixes providers add to a base model id: `-2024-07-18`, `-20241022`, `-latest`, `-0613`. */
const DATED_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|latest)$/;

/** The table entry for `model`: exact, else the base id of a dated one; undefined when unknown. */
export function lookupModel<T>(model: string, table: Readonly<Record<string, T>>): T | undefined {
  const { model: name } = parseModelRef(model);
  if (Object.hasOwn(table, name)) return table[name];
  const base = name.replace(DATED_SUFFIX, '');
  return base !== name && Object.hasOwn(table, base) ? table[base] : undefined;
}

/** The price of `model` (dated ids as their base model), or undefined when the table has none. */
export function priceOf(model: string, prices: PriceTable): ModelPrice | undefined {
  return lookupModel(model, prices);
}

/** The models in `models` that `prices` cannot price (a cost budget cannot be enforced on them). */
export function unpricedModels(models: readonly string[], prices: PriceTable): string[] {
  return [...new Set(models)].filter((m) => priceOf(m, prices) === undefined);
}

/** Most completion tokens one call may ask of a model, per model id. */
export type OutputLimitTable = Readonly<Record<string, number>>;

/**
 * Output limits of the models the price table names (provider documentation).
 * Override or extend with `LLM_OUTPUT_LIMITS`.
 */
export const DEFAULT_OUTPUT_LIMITS: OutputLimitTable = {
  'gpt-4o': 16_384,
  'gpt-4o-mini': 16_384,
  'gpt-4.1': 32_768,
  'gpt-4.1-mini': 32_768,
  'gpt-4.1-nano': 32_768,
  'gpt-5': 128_000,
  'gpt-5-mini': 128_000,
  'gpt-5-nano': 128_000,
  'claude-3-5-haiku': 8192,
  'claude-3-5-sonnet': 8192,
  'claude-3-7-sonnet': 64_000,
  'claude-sonnet-4': 64_000,
  'claude-sonnet-4-0': 64_000,
  'claude-sonnet-4-5': 64_000,
  'claude-haiku-4-5': 64_000,
  'claude-opus-4': 32_000,
  'claude-opus-4-0': 32_000,
  'claude-opus-4-1': 32_000,
};

/** The cap used for a model missing from the table: small enough for any current chat model. */
export const FALLBACK_OUTPUT_LIMIT = 4096;

/** The output limit of `model` (dated ids as their base model), FALLBACK_OUTPUT_LIMIT when unknown. */
export function outputLimitOf(model: string, limits: OutputLimitTable = DEFAULT_OUTPUT_LIMITS): number {
  return lookupModel(model, limits) ?? FALLBACK_OUTPUT_LIMIT;
}
