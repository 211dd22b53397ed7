import { newTask } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { parseDays, rebuildCounters } from './rebuild-counters';

describe('rebuild-counters (repair command)', () => {
  const now = new Date('2030-01-02T15:00:00.000Z');

  it('takes days as YYYY-MM-DD, today by default, and refuses anything else', () => {
    expect(parseDays([], now)).toEqual([now]);
    expect(parseDays(['2030-01-01', '2029-12-31'], now).map((d) => d.toISOString())).toEqual(['2030-01-01T12:00:00.000Z', '2029-12-31T12:00:00.000Z']);
    expect(() => parseDays(['2030-02-30'], now)).toThrow('not a day (YYYY-MM-DD): 2030-02-30');
    expect(() => parseDays(['yesterday'], now)).toThrow('yesterday');
  });

  it('replaces a drifted day with what the stored tasks say', async () => {
    const store = new InMemoryStore();
    const task = newTask({ task_id: 't1', session_id: 's', task: 'x', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now });
    await store.repositories.tasks.create(task);
    await store.repositories.taskCounters.increment([{ day: '2030-01-02', at: now, status: { failed: 7 } }]);
    await expect(rebuildCounters(store.repositories.taskCounters, [now])).resolves.toEqual(['2030-01-02: 1 tasks created, 0 finished, 0 tokens']);
    expect((await store.repositories.taskCounters.day(now)).tasks.created_by_status).toEqual({
      queued: 1,
      processing: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
    });
  });
});
