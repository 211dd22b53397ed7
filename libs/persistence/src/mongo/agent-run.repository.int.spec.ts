// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { DuplicateKeyError } from '../errors';
import { makeAgentRun, tick, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();

describe('MongoAgentRunRepository', () => {
  it('lists a task runs in the order they started, whatever the insert order', async () => {
    const runs = db.store.repositories.agentRuns;
    const router = makeAgentRun({ task_id: 'task-order', kind: 'router', agent_name: 'PeerAgent', started_at: tick(), output: null });
    const agent = makeAgentRun({
      task_id: 'task-order',
      started_at: tick(),
      outcome: 'failure',
      error: { type: 'LLM_ERROR', message: 'boom' },
      output: null,
    });
    const retry = makeAgentRun({ task_id: 'task-order', started_at: tick(), attempt: 2 });
    await runs.record(retry);
    await runs.record(router);
    await runs.record(agent);
    await runs.record(makeAgentRun({ task_id: 'other-task' }));

    const listed = await runs.listByTask('task-order');
    expect(listed).toEqual([router, agent, retry]);
    listed.forEach((r) => {
      expect(r).not.toHaveProperty('_id');
      expect(r.started_at).toBeInstanceOf(Date);
    });
    expect(await runs.listByTask('no-runs')).toEqual([]);
  });

  it('rejects a duplicate run_id', async () => {
    const run = makeAgentRun();
    await db.store.repositories.agentRuns.record(run);
    await expect(db.store.repositories.agentRuns.record(run)).rejects.toBeInstanceOf(DuplicateKeyError);
  });

  it('runs recorded in the same turn (many tasks) are all stored, and a duplicate fails only its own caller', async () => {
    const runs = db.store.repositories.agentRuns;
    const taken = makeAgentRun({ task_id: 'task-batch-0' });
    await runs.record(taken);
    const batch = Array.from({ length: 6 }, (_, i) => makeAgentRun({ task_id: `task-batch-${i + 1}` }));
    const outcomes = await Promise.allSettled([...batch.map((r) => runs.record(r)), runs.record({ ...taken, attempt: 9 })]);
    expect(outcomes.slice(0, 6).map((o) => o.status)).toEqual(Array(6).fill('fulfilled'));
    const dup = outcomes[6];
    expect(dup?.status).toBe('rejected');
    expect((dup as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateKeyError);
    for (const run of batch) expect(await runs.listByTask(run.task_id)).toEqual([run]);
    expect(await runs.listByTask('task-batch-0')).toEqual([taken]);
  });

  it('refuses a run the schema would refuse, before writing anything', async () => {
    const runs = db.store.repositories.agentRuns;
    await expect(runs.record(makeAgentRun({ task_id: 'task-bad', kind: 'tool' as never }))).rejects.toMatchObject({ type: 'VALIDATION_ERROR' });
    expect(await runs.listByTask('task-bad')).toEqual([]);
  });
});
