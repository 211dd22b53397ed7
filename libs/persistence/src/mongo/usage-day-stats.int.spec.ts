// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { randomUUID } from 'node:crypto';

import type { AgentRun, ModelUsage } from '@agent-orchestrator/domain';

import { makeAgentRun, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();

const u = (model: string, prompt_tokens: number, completion_tokens: number, cost_usd: number | null): ModelUsage => ({
  model,
  prompt_tokens,
  completion_tokens,
  total_tokens: prompt_tokens + completion_tokens,
  cost_usd,
});

function run(agent_name: string, finished_at: Date, usage: ModelUsage[]): AgentRun {
  return makeAgentRun({ task_id: randomUUID(), session_id: 's', kind: agent_name === 'PeerAgent' ? 'router' : 'agent', agent_name, input: 'x', output: 'y', usage, finished_at });
}

describe('AgentRunRepository.usageDayStats', () => {
  const day = new Date(Date.UTC(2025, 4, 10, 15, 0, 0));

  beforeAll(async () => {
    const runs = db.store.repositories.agentRuns;
    await runs.record(run('PeerAgent', new Date(Date.UTC(2025, 4, 10, 0, 0, 0)), [u('gpt-4o-mini', 100, 10, 0.0001)]));
    await runs.record(run('ContentAgent', new Date(Date.UTC(2025, 4, 10, 9, 0, 0)), [u('gpt-4o-mini', 200, 50, 0.0002), u('gpt-4o', 300, 100, 0.002)]));
    await runs.record(run('CodeAgent', new Date(Date.UTC(2025, 4, 10, 23, 59, 59, 999)), [u('gpt-4o', 1000, 500, 0.0075)]));
    // Outside the day on both sides: never counted.
    await runs.record(run('CodeAgent', new Date(Date.UTC(2025, 4, 9, 23, 59, 59, 999)), [u('gpt-4o', 7777, 7777, 1)]));
    await runs.record(run('CodeAgent', new Date(Date.UTC(2025, 4, 11, 0, 0, 0)), [u('gpt-4o', 8888, 8888, 1)]));
    // A failed run without usage counts nothing.
    await runs.record({ ...run('CodeAgent', new Date(Date.UTC(2025, 4, 10, 10, 0, 0)), []), outcome: 'failure' });
  });

  it('sums the tokens and cost of the runs that finished that UTC day, by agent and by model', async () => {
    const stats = await db.store.repositories.agentRuns.usageDayStats(day);
    expect(stats.day_start.toISOString()).toBe('2025-05-10T00:00:00.000Z');
    expect(stats.prompt_tokens).toBe(1600);
    expect(stats.completion_tokens).toBe(660);
    expect(stats.total_tokens).toBe(2260);
    expect(stats.cost_usd).toBeCloseTo(0.0098, 10);
    expect(stats.by_agent.map((a) => [a.agent_name, a.total_tokens])).toEqual([
      ['CodeAgent', 1500],
      ['ContentAgent', 650],
      ['PeerAgent', 110],
    ]);
    expect(stats.by_agent[1]!.cost_usd).toBeCloseTo(0.0022, 10);
    expect(stats.by_model.map((m) => [m.model, m.prompt_tokens, m.completion_tokens, m.total_tokens])).toEqual([
      ['gpt-4o', 1300, 600, 1900],
      ['gpt-4o-mini', 300, 60, 360],
    ]);
    expect(stats.by_model[0]!.cost_usd).toBeCloseTo(0.0095, 10);
  });

  it('gives an agent, a model and the day a null (unknown) cost when one call had no price, the tokens still summed', async () => {
    const other = new Date(Date.UTC(2025, 4, 12, 12, 0, 0));
    const runs = db.store.repositories.agentRuns;
    await runs.record(run('PeerAgent', new Date(Date.UTC(2025, 4, 12, 8, 0, 0)), [u('gpt-4o-mini', 100, 10, 0.0001)]));
    const mixed = run('CodeAgent', new Date(Date.UTC(2025, 4, 12, 9, 0, 0)), [u('llama3.1:8b', 400, 100, null), u('gpt-4o', 100, 20, 0.0005)]);
    expect(mixed.cost_usd).toBeNull();
    await runs.record(mixed);
    const stats = await runs.usageDayStats(other);
    expect(stats).toMatchObject({ prompt_tokens: 600, completion_tokens: 130, total_tokens: 730, cost_usd: null });
    expect(stats.by_agent).toEqual([
      { agent_name: 'CodeAgent', prompt_tokens: 500, completion_tokens: 120, total_tokens: 620, cost_usd: null },
      { agent_name: 'PeerAgent', prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, cost_usd: 0.0001 },
    ]);
    expect(stats.by_model).toEqual([
      { model: 'llama3.1:8b', prompt_tokens: 400, completion_tokens: 100, total_tokens: 500, cost_usd: null },
      { model: 'gpt-4o', prompt_tokens: 100, completion_tokens: 20, total_tokens: 120, cost_usd: 0.0005 },
      { model: 'gpt-4o-mini', prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, cost_usd: 0.0001 },
    ]);
    // The run itself reads back with its unknown cost, not $0.
    const [stored] = await runs.listByTask(mixed.task_id);
    expect(stored).toMatchObject({ cost_usd: null, usage: [{ model: 'llama3.1:8b', cost_usd: null }, { model: 'gpt-4o', cost_usd: 0.0005 }] });
  });

  it('is all zeros on a day without runs', async () => {
    const stats = await db.store.repositories.agentRuns.usageDayStats(new Date(Date.UTC(2024, 0, 1)), { maxTimeMs: 5000 });
    expect(stats).toEqual({
      day_start: new Date(Date.UTC(2024, 0, 1)),
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      cost_usd: 0,
      by_agent: [],
      by_model: [],
    });
  });
});
