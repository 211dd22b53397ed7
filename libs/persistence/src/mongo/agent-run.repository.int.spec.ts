// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { randomUUID } from 'node:crypto';

import type { AgentRun } from '@agent-orchestrator/domain';

import { DuplicateKeyError } from '../errors';
import { tick, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();

function makeRun(overrides: Partial<AgentRun> = {}): AgentRun {
  const started_at = overrides.started_at ?? tick();
  return {
    run_id: randomUUID(),
    task_id: 'task-1',
    session_id: 'session-1',
    kind: 'agent',
    agent_name: 'CodeAgent',
    agent_version: '1.0.0',
    model: 'gpt-4o-mini',
    attempt: 1,
    input: 'write a function',
    output: 'function f() {}',
    outcome: 'success',
    error: null,
    usage: [{ model: 'gpt-4o-mini', prompt_tokens: 5, completion_tokens: 7, total_tokens: 12, cost_usd: 0.00001 }],
    prompt_tokens: 5,
    completion_tokens: 7,
    total_tokens: 12,
    cost_usd: 0.00001,
    started_at,
    finished_at: new Date(started_at.getTime() + 1500),
    duration_ms: 1500,
    ...overrides,
  };
}

describe('MongoAgentRunRepository', () => {
  it('lists a task runs in the order they started, whatever the insert order', async () => {
    const runs = db.store.repositories.agentRuns;
    const router = makeRun({ task_id: 'task-order', kind: 'router', agent_name: 'PeerAgent', started_at: tick(), output: null });
    const agent = makeRun({
      task_id: 'task-order',
      started_at: tick(),
      outcome: 'failure',
      error: { type: 'LLM_ERROR', message: 'boom' },
      output: null,
    });
    const retry = makeRun({ task_id: 'task-order', started_at: tick(), attempt: 2 });
    await runs.record(retry);
    await runs.record(router);
    await runs.record(agent);
    await runs.record(makeRun({ task_id: 'other-task' }));

    const listed = await runs.listByTask('task-order');
    expect(listed).toEqual([router, agent, retry]);
    listed.forEach((r) => {
      expect(r).not.toHaveProperty('_id');
      expect(r.started_at).toBeInstanceOf(Date);
    });
    expect(await runs.listByTask('no-runs')).toEqual([]);
  });

  it('rejects a duplicate run_id', async () => {
    const run = makeRun();
    await db.store.repositories.agentRuns.record(run);
    await expect(db.store.repositories.agentRuns.record(run)).rejects.toBeInstanceOf(DuplicateKeyError);
  });
});
