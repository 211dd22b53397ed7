import { Counter, Histogram, type Registry } from 'prom-client';
import { BoundedLabel } from './labels';

/**
 * One LLM call as the agents-core observer reports it (structurally the same
 * type; observability does not depend on agents-core). Retries inside one call are
 * part of it: `duration_ms` covers them all.
 */
export interface LlmCallRecord {
  model: string;
  /** Agent that made the call (`PeerAgent` for the router). */
  agent: string;
  outcome: 'success' | 'failure';
  duration_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** Null: unknown, the model has no price (LLM_PRICES). */
  cost_usd: number | null;
}

/** One web search request (each retry is one). */
export interface WebSearchRecord {
  agent: string;
  outcome: 'success' | 'failure';
}

/** Seconds of one LLM call, retries included. */
export const LLM_DURATION_BUCKETS = [0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120];

const OUTCOMES = new Set(['success', 'failure']);
const outcomeLabel = (o: unknown): string => (typeof o === 'string' && OUTCOMES.has(o) ? o : 'failure');
const nonNegative = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0);

/**
 * `llm_calls_total{model,agent,outcome}`, `llm_call_duration_seconds{model,agent}`,
 * `llm_tokens_total{model,agent,kind}` (prompt, completion), `llm_cost_usd_total{model,agent}`,
 * `llm_unpriced_calls_total{model,agent}` (calls whose cost is unknown: never added to the cost
 * counter as $0) and `web_search_calls_total{agent,outcome}`. Model and agent names are kept as
 * given up to 50 distinct values each, then become `other`.
 */
export class LlmMetrics {
  private readonly calls: Counter<'model' | 'agent' | 'outcome'>;
  private readonly duration: Histogram<'model' | 'agent'>;
  private readonly tokens: Counter<'model' | 'agent' | 'kind'>;
  private readonly cost: Counter<'model' | 'agent'>;
  private readonly unpriced: Counter<'model' | 'agent'>;
  private readonly searches: Counter<'agent' | 'outcome'>;
  private readonly models = new BoundedLabel();
  private readonly agents = new BoundedLabel();

  constructor(registry: Registry) {
    this.calls = new Counter({
      name: 'llm_calls_total',
      help: 'LLM calls (retries included in one call), by model, agent and outcome (success, failure).',
      labelNames: ['model', 'agent', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'llm_call_duration_seconds',
      help: 'Duration of LLM calls, retries included, by model and agent.',
      labelNames: ['model', 'agent'],
      buckets: LLM_DURATION_BUCKETS,
      registers: [registry],
    });
    this.tokens = new Counter({
      name: 'llm_tokens_total',
      help: 'Tokens the LLM provider reported, by model, agent and kind (prompt, completion).',
      labelNames: ['model', 'agent', 'kind'],
      registers: [registry],
    });
    this.cost = new Counter({
      name: 'llm_cost_usd_total',
      help: 'Estimated LLM cost in US dollars (LLM_PRICES), by model and agent.',
      labelNames: ['model', 'agent'],
      registers: [registry],
    });
    this.unpriced = new Counter({
      name: 'llm_unpriced_calls_total',
      help: 'LLM calls whose cost is unknown (the model has no price in LLM_PRICES), by model and agent; their cost is not in llm_cost_usd_total.',
      labelNames: ['model', 'agent'],
      registers: [registry],
    });
    this.searches = new Counter({
      name: 'web_search_calls_total',
      help: 'Web search requests (each retry counts), by agent and outcome (success, failure).',
      labelNames: ['agent', 'outcome'],
      registers: [registry],
    });
  }

  /** An `LlmCallObserver` for agents-core: never throws. */
  readonly llmCall = (call: LlmCallRecord): void => {
    const model = this.models.value(call.model);
    const agent = this.agents.value(call.agent);
    this.calls.inc({ model, agent, outcome: outcomeLabel(call.outcome) });
    this.duration.observe({ model, agent }, nonNegative(call.duration_ms) / 1000);
    // inc(0) still creates the series, so a model that reported no usage shows as 0 rather than missing.
    this.tokens.inc({ model, agent, kind: 'prompt' }, nonNegative(call.prompt_tokens));
    this.tokens.inc({ model, agent, kind: 'completion' }, nonNegative(call.completion_tokens));
    if (call.cost_usd === null) this.unpriced.inc({ model, agent });
    else this.cost.inc({ model, agent }, nonNegative(call.cost_usd));
  };

  /** A `WebSearchObserver` for agents-core: never throws. */
  readonly webSearch = (search: WebSearchRecord): void => {
    this.searches.inc({ agent: this.agents.value(search.agent), outcome: outcomeLabel(search.outcome) });
  };
}
