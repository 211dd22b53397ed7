import { findSamples } from './exposition-text';
import { LlmMetrics } from './llm-metrics';
import { createMetricsRegistry } from './metrics-registry';

describe('LlmMetrics', () => {
  it('counts calls, duration, tokens by kind and cost by model and agent', async () => {
    const registry = createMetricsRegistry('worker', { processMetrics: false });
    const metrics = new LlmMetrics(registry);
    metrics.llmCall({
      model: 'gpt-4o-mini',
      agent: 'PeerAgent',
      outcome: 'success',
      duration_ms: 1000,
      prompt_tokens: 300,
      completion_tokens: 40,
      cost_usd: 0.000069,
    });
    metrics.llmCall({ model: 'gpt-4o-mini', agent: 'PeerAgent', outcome: 'failure', duration_ms: 250, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0 });
    metrics.webSearch({ agent: 'ContentAgent', outcome: 'success' });
    metrics.webSearch({ agent: 'ContentAgent', outcome: 'failure' });
    metrics.webSearch({ agent: 'ContentAgent', outcome: 'success' });
    const text = await registry.metrics();
    expect(
      findSamples(text, 'llm_calls_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', outcome: 'success', service: 'worker' }).map((s) => s.value),
    ).toEqual([1]);
    expect(
      findSamples(text, 'llm_calls_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', outcome: 'failure', service: 'worker' }).map((s) => s.value),
    ).toEqual([1]);
    expect(findSamples(text, 'llm_tokens_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', kind: 'prompt', service: 'worker' }).map((s) => s.value)).toEqual([
      300,
    ]);
    expect(
      findSamples(text, 'llm_tokens_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', kind: 'completion', service: 'worker' }).map((s) => s.value),
    ).toEqual([40]);
    expect(findSamples(text, 'llm_cost_usd_total', { model: 'gpt-4o-mini', agent: 'PeerAgent', service: 'worker' }).map((s) => s.value)).toEqual([0.000069]);
    expect(findSamples(text, 'llm_call_duration_seconds_sum', { model: 'gpt-4o-mini', agent: 'PeerAgent', service: 'worker' }).map((s) => s.value)).toEqual([
      1.25,
    ]);
    expect(findSamples(text, 'llm_call_duration_seconds_count', { model: 'gpt-4o-mini', agent: 'PeerAgent', service: 'worker' }).map((s) => s.value)).toEqual([
      2,
    ]);
    expect(findSamples(text, 'web_search_calls_total', { agent: 'ContentAgent', outcome: 'success', service: 'worker' }).map((s) => s.value)).toEqual([2]);
    expect(findSamples(text, 'web_search_calls_total', { agent: 'ContentAgent', outcome: 'failure', service: 'worker' }).map((s) => s.value)).toEqual([1]);
  });

  it('counts a call whose cost is unknown (null) as unpriced, never as $0 of cost', async () => {
    const registry = createMetricsRegistry('worker', { processMetrics: false });
    const metrics = new LlmMetrics(registry);
    metrics.llmCall({ model: 'llama3.1:8b', agent: 'CodeAgent', outcome: 'success', duration_ms: 10, prompt_tokens: 50, completion_tokens: 20, cost_usd: null });
    metrics.llmCall({ model: 'llama3.1:8b', agent: 'CodeAgent', outcome: 'success', duration_ms: 10, prompt_tokens: 50, completion_tokens: 20, cost_usd: null });
    metrics.llmCall({ model: 'gpt-4o', agent: 'CodeAgent', outcome: 'success', duration_ms: 10, prompt_tokens: 50, completion_tokens: 20, cost_usd: 0.0003 });
    const text = await registry.metrics();
    const value = (name: string, model: string) => findSamples(text, name, { model, agent: 'CodeAgent', service: 'worker' }).map((s) => s.value);
    expect(value('llm_unpriced_calls_total', 'llama3.1:8b')).toEqual([2]);
    expect(value('llm_cost_usd_total', 'llama3.1:8b')).toEqual([]);
    expect(value('llm_tokens_total', 'llama3.1:8b')).toEqual([100, 40]);
    expect(value('llm_cost_usd_total', 'gpt-4o')).toEqual([0.0003]);
    expect(value('llm_unpriced_calls_total', 'gpt-4o')).toEqual([]);
  });

  it('caps distinct model names, and treats bad figures as zero', async () => {
    const registry = createMetricsRegistry('worker', { processMetrics: false });
    const metrics = new LlmMetrics(registry);
    for (let i = 0; i < 55; i++)
      metrics.llmCall({ model: `model-${i}`, agent: 'CodeAgent', outcome: 'success', duration_ms: 1, prompt_tokens: 1, completion_tokens: 1, cost_usd: 0 });
    metrics.llmCall({
      model: 'model-0',
      agent: 'CodeAgent',
      outcome: 'weird' as never,
      duration_ms: Number.NaN,
      prompt_tokens: -3,
      completion_tokens: Number.POSITIVE_INFINITY,
      cost_usd: -1,
    });
    const calls = (await registry.getSingleMetric('llm_calls_total')!.get()).values;
    const models = new Set(calls.map((v) => v.labels['model']));
    expect(models.size).toBe(51);
    expect(calls.find((v) => v.labels['model'] === 'other')?.value).toBe(5);
    expect(calls.find((v) => v.labels['model'] === 'model-0' && v.labels['outcome'] === 'failure')?.value).toBe(1);
    const tokens = (await registry.getSingleMetric('llm_tokens_total')!.get()).values.filter((v) => v.labels['model'] === 'model-0');
    expect(tokens.map((v) => v.value)).toEqual([1, 1]);
  });
});
