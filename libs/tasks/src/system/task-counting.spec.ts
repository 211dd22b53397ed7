import { randomUUID } from 'node:crypto';
import { newTask, type AgentRun, type Task } from '@agent-orchestrator/domain';
import { LATENCY_P95_MAX_RELATIVE_ERROR } from '@agent-orchestrator/persistence';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import { RecordingTaskEvents, recordingLogger } from '../testing';
import { TaskCounting, moveIncrements, pickedUpFromQueued } from './task-counting';

const DAY = new Date('2030-01-02T00:00:00.000Z');
const at = (h: number, m = 0, s = 0) => new Date(DAY.getTime() + ((h * 60 + m) * 60 + s) * 1000);

function setup(windowMs?: number) {
  const store = new InMemoryStore();
  const { logger, records } = recordingLogger();
  const counting = new TaskCounting({ counters: store.repositories.taskCounters, logger, ...(windowMs === undefined ? {} : { windowMs }) });
  let clock = at(9);
  const lifecycle = new TaskLifecycle({ tasks: store.repositories.tasks, events: new RecordingTaskEvents(), now: () => clock, counting });
  const set = (d: Date) => (clock = d);
  async function accept(created = clock): Promise<Task> {
    const task = newTask({
      task_id: randomUUID(),
      session_id: 's',
      task: 't',
      metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' },
      now: created,
    });
    await store.repositories.tasks.create(task);
    lifecycle.accepted(task, {});
    return task;
  }
  const route = async (t: Task, agent: string, type: string) =>
    lifecycle.route(
      (await store.repositories.tasks.findById(t.task_id))!,
      { selected_agent: agent, agent_type: type, agent_version: '1', peer_routing_reason: 'r', confidence: 0.9 },
      {},
    );
  const result = { summary: null, raw_output: 'ok', code_language: null, citations: [] };
  const usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_model: [] };
  return { store, records, counting, lifecycle, set, accept, route, complete: (t: Task) => lifecycle.complete(t, { result, usage }, {}) };
}

function run(agent_name: string, finished_at: Date, usage: { model: string; p: number; c: number; cost: number }[]): AgentRun {
  const calls = usage.map((u) => ({ model: u.model, prompt_tokens: u.p, completion_tokens: u.c, total_tokens: u.p + u.c, cost_usd: u.cost }));
  const sum = (k: 'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost_usd') => calls.reduce((s, x) => s + x[k], 0);
  return {
    run_id: randomUUID(),
    task_id: randomUUID(),
    session_id: 's',
    kind: 'agent',
    agent_name,
    agent_version: '1',
    model: calls[0]?.model ?? null,
    attempt: 1,
    input: 'x',
    output: 'y',
    outcome: 'success',
    error: null,
    usage: calls,
    prompt_tokens: sum('prompt_tokens'),
    completion_tokens: sum('completion_tokens'),
    total_tokens: sum('total_tokens'),
    cost_usd: sum('cost_usd'),
    started_at: new Date(finished_at.getTime() - 1000),
    finished_at,
    duration_ms: 1000,
  };
}

describe('TaskCounting through TaskLifecycle (in memory)', () => {
  it.each([
    ['each move written at once', 0],
    ['moves merged over a 25 ms write window', 25],
  ])('counts every kind of move so the day reads what the aggregation over the tasks gives (%s)', async (_, windowMs) => {
    const { store, counting, lifecycle, set, accept, route, complete } = setup(windowMs);
    const { tasks } = store.repositories;

    // A task from yesterday, finished today: its status counts on yesterday, its latency on today.
    const old = await accept(new Date(DAY.getTime() - 3_600_000));
    const t1 = await accept();
    const t2 = await accept();
    const t3 = await accept();
    const t4 = await accept();
    const t5 = await accept();
    const t6 = await accept();
    const t7 = await accept();
    await accept(); // t8 stays queued

    set(at(9, 1));
    await lifecycle.pickUp(old.task_id, {});
    await complete(old);
    await lifecycle.pickUp(t1.task_id, {});
    await route(t1, 'CodeAgent', 'code');
    set(at(9, 2));
    expect(await complete(t1)).not.toBeNull();
    expect(await complete(t1)).toBeNull(); // a lost race counts nothing

    await lifecycle.pickUp(t2.task_id, {});
    await lifecycle.pickUp(t2.task_id, {}); // redelivered after a crash: processing -> processing
    await route(t2, 'ContentAgent', 'content');
    await route(t2, 'ContentAgent', 'content'); // resumed: same decision
    set(at(9, 3));
    await lifecycle.fail(t2, { error: { type: 'LLM_ERROR', message: 'x' } }, {});

    await lifecycle.fail(t3, { error: { type: 'TIMEOUT', message: 'x' } }, {}); // from queued (the reconciler's deadline)
    await lifecycle.requestCancel(t4.task_id, {}); // queued -> cancelled at once
    await lifecycle.pickUp(t5.task_id, {});
    await lifecycle.cancel(t5, {}, {}); // processing -> cancelled

    await lifecycle.pickUp(t6.task_id, {});
    await route(t6, 'CodeAgent', 'code');
    await lifecycle.fail(t6, { error: { type: 'LLM_ERROR', message: 'x' } }, {});
    set(at(10));
    await lifecycle.retry(t6.task_id, ['LLM_ERROR'], {}); // failed -> queued: the failure leaves the latency too
    await lifecycle.pickUp(t6.task_id, {});
    await route(t6, 'ContentAgent', 'content'); // routed elsewhere this time
    set(at(10, 0, 30));
    await complete(t6);
    await lifecycle.pickUp(t7.task_id, {});

    await counting.runRecorded(run('PeerAgent', at(9, 2), [{ model: 'gpt-4o-mini', p: 100, c: 10, cost: 0.0001 }]));
    await counting.runRecorded(
      run('CodeAgent', at(9, 2), [
        { model: 'gpt-4o-mini', p: 200, c: 50, cost: 0.0002 },
        { model: 'gpt.4o', p: 300, c: 100, cost: 0.002 },
      ]),
    );
    await store.repositories.agentRuns.record(run('PeerAgent', at(9, 2), [{ model: 'gpt-4o-mini', p: 100, c: 10, cost: 0.0001 }]));
    await counting.settled();

    const day = await store.repositories.taskCounters.day(at(12));
    expect(day.tasks.created_by_status).toEqual({ queued: 1, processing: 1, completed: 2, failed: 2, cancelled: 2 });
    expect(day.tasks.created_by_agent).toEqual([
      { agent_name: 'ContentAgent', agent_type: 'content', count: 2 },
      { agent_name: 'CodeAgent', agent_type: 'code', count: 1 },
    ]);
    const latencies = [at(9, 1).getTime() - old.queued_at.getTime(), 2 * 60_000, 3 * 60_000, 3 * 60_000, 30_000];
    expect(day.tasks.latency_ms.count).toBe(5);
    expect(day.tasks.latency_ms.sum).toBe(latencies.reduce((a, b) => a + b, 0));
    expect(day.usage).toMatchObject({ prompt_tokens: 600, completion_tokens: 160, total_tokens: 760, cost_usd: 0.0023 });
    expect(day.usage.by_model.map((m) => [m.model, m.total_tokens])).toEqual([
      ['gpt.4o', 400],
      ['gpt-4o-mini', 360],
    ]);
    expect(day.usage.by_agent.map((a) => [a.agent_name, a.total_tokens])).toEqual([
      ['CodeAgent', 650],
      ['PeerAgent', 110],
    ]);
    const yesterday = await store.repositories.taskCounters.day(new Date(DAY.getTime() - 1));
    expect(yesterday.tasks.created_by_status).toEqual({ queued: 0, processing: 0, completed: 1, failed: 0, cancelled: 0 });
    expect(yesterday.tasks.latency_ms.count).toBe(0);

    // The aggregation over the stored tasks (the rebuild's source) agrees, in statuses and agents exactly.
    const aggregated = await tasks.dayStats(at(12));
    expect(day.tasks.created_by_status).toEqual(aggregated.created_by_status);
    expect(day.tasks.created_by_agent).toEqual(expect.arrayContaining(aggregated.created_by_agent));
    // The rebuild from tasks and runs gives the same day (one PeerAgent run was stored without being counted: the rebuild sees it).
    const rebuilt = await store.repositories.taskCounters.rebuildDay(at(12));
    expect(rebuilt.tasks).toEqual(day.tasks);
    expect(rebuilt.usage.by_agent.find((a) => a.agent_name === 'PeerAgent')?.total_tokens).toBe(110);
    await expect(store.repositories.taskCounters.day(at(12))).resolves.toEqual(rebuilt);
  });

  it('keeps the history: the running figures of the day at the end of each minute', async () => {
    const { store, lifecycle, set, accept, complete } = setup();
    const t = await accept();
    set(at(9, 5));
    await lifecycle.pickUp(t.task_id, {});
    await complete(t);
    const points = await store.repositories.taskCounters.history({ from: at(9), to: at(10), limit: 100 });
    expect(points.map((p) => [p.interval_start.toISOString(), p.tasks_by_status])).toEqual([
      [at(9).toISOString(), { queued: 1, processing: 0, completed: 0, failed: 0, cancelled: 0 }],
      [at(9, 5).toISOString(), { queued: 0, processing: 0, completed: 1, failed: 0, cancelled: 0 }],
    ]);
    expect(points[1]!.latency).toMatchObject({ count: 1, avg_ms: 300_000 });
    expect(Math.abs(points[1]!.latency!.p95_ms! - 300_000) / 300_000).toBeLessThanOrEqual(LATENCY_P95_MAX_RELATIVE_ERROR);
    // A range starting mid-day still sums the day from midnight.
    const later = await store.repositories.taskCounters.history({ from: at(9, 3), to: at(10), limit: 100 });
    expect(later.map((p) => p.tasks_by_status?.completed)).toEqual([1]);
  });

  it('never fails a move when the counters cannot be written: it logs, and the day can be rebuilt', async () => {
    const { store, records, counting, lifecycle, accept } = setup();
    const t = await accept();
    jest.spyOn(store.repositories.taskCounters, 'increment').mockRejectedValue(new Error('connection refused'));
    await expect(lifecycle.pickUp(t.task_id, {})).resolves.toMatchObject({ status: 'processing' });
    await counting.settled();
    expect(records.some((r) => r.level === 'warn' && /task counters/.test(r.message))).toBe(true);
  });
});

describe('TaskCounting write window (COUNTERS_WRITE_WINDOW_MS)', () => {
  const task = (n: number) => newTask({ task_id: `t${n}`, session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: at(9) });

  it('hands the increments of every call within the window to the repository in one call; no call waits for it', async () => {
    const { store, counting } = setup(40);
    const increment = jest.spyOn(store.repositories.taskCounters, 'increment');
    await Promise.all(Array.from({ length: 10 }, (_, i) => counting.moved('accept', task(i))));
    expect(increment).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 60));
    expect(increment).toHaveBeenCalledTimes(1);
    expect(increment.mock.calls[0]?.[0]).toHaveLength(10);
    expect((await store.repositories.taskCounters.day(at(12))).tasks.created_by_status.queued).toBe(10);
    // The next call opens a new window.
    await counting.moved('accept', task(11));
    await counting.settled();
    expect(increment).toHaveBeenCalledTimes(2);
  });

  it('writes each call at once without a window (0)', async () => {
    const { store, counting } = setup(0);
    const increment = jest.spyOn(store.repositories.taskCounters, 'increment');
    void counting.moved('accept', task(1));
    void counting.moved('accept', task(2));
    expect(increment).toHaveBeenCalledTimes(2);
    await counting.settled();
  });

  it('settled() writes what waits in the window at once (shutdown) and waits for it', async () => {
    const { store, counting } = setup(60_000);
    void counting.moved('accept', task(1));
    void counting.moved('accept', task(2));
    await counting.settled();
    expect((await store.repositories.taskCounters.day(at(12))).tasks.created_by_status.queued).toBe(2);
    await counting.settled();
  });

  it("never makes a move wait for the window: the task goes on, the count follows", async () => {
    const { store, counting, lifecycle, accept } = setup(60_000);
    const t = await accept();
    await expect(lifecycle.pickUp(t.task_id, {})).resolves.toMatchObject({ status: 'processing' });
    expect((await store.repositories.taskCounters.day(at(12))).tasks.created_by_status.processing).toBe(0);
    await counting.settled();
    expect((await store.repositories.taskCounters.day(at(12))).tasks.created_by_status).toMatchObject({ queued: 0, processing: 1 });
  });

  it('logs each call of a failed window write by its move and task; nothing rejects', async () => {
    const { store, records, counting } = setup(20);
    jest.spyOn(store.repositories.taskCounters, 'increment').mockRejectedValue(new Error('connection refused'));
    await expect(Promise.all([counting.moved('accept', task(1)), counting.runRecorded(run('CodeAgent', at(9, 1), []), 'default')])).resolves.toEqual([undefined, undefined]);
    await expect(counting.settled()).resolves.toBeUndefined();
    const warnings = records.filter((r) => r.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({ message: 'task counters: an increment was not stored; the day drifts until it is rebuilt', move: 'accept', task_id: 't1', error_message: 'connection refused' }),
      expect.objectContaining({ message: 'task counters: an increment was not stored; the day drifts until it is rebuilt', run: 'CodeAgent', error_message: 'connection refused' }),
    ]);
  });
});

describe('moveIncrements', () => {
  const base = newTask({
    task_id: 't',
    session_id: 's',
    task: 'x',
    metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' },
    now: at(9),
  });

  it('tells a first pick-up (from queued) from a redelivery (from processing), across retries', () => {
    expect(pickedUpFromQueued({ attempts: 1, retries: [] })).toBe(true);
    expect(pickedUpFromQueued({ attempts: 2, retries: [] })).toBe(false);
    const retried = [{ error: null, failed_at: at(9, 1), retried_at: at(9, 2), attempts: 2 }];
    expect(pickedUpFromQueued({ attempts: 3, retries: retried })).toBe(true);
    expect(pickedUpFromQueued({ attempts: 4, retries: retried })).toBe(false);
  });

  it('takes a retried failure back from the day it failed, with the latency it had', () => {
    const task: Task = {
      ...base,
      status: 'queued',
      queued_at: at(10),
      updated_at: at(10),
      retries: [{ error: { type: 'LLM_ERROR', message: 'x' }, failed_at: at(9, 0, 40), retried_at: at(10), attempts: 1 }],
    };
    expect(moveIncrements('retry', task)).toEqual([
      { day: '2030-01-02', at: at(10), status: { failed: -1, queued: 1 }, tenant: 'default' },
      { day: '2030-01-02', at: at(10), latency: { ms: 40_000, count: -1 }, tenant: 'default' },
    ]);
  });

  it("tags every increment with the task's tenant, so its day counts on the tenant's document too", () => {
    const task: Task = { ...base, tenant_id: 'acme', status: 'completed', started_at: at(10), completed_at: at(10, 0, 5), updated_at: at(10, 0, 5) };
    const increments = moveIncrements('complete', task);
    expect(increments.length).toBeGreaterThan(0);
    expect(increments.every((x) => x.tenant === 'acme')).toBe(true);
  });

  it('counts nothing for moves that keep the status and routing', () => {
    expect(moveIncrements('requeue', base)).toEqual([]);
    expect(moveIncrements('route', { ...base, selected_agent: 'A', agent_type: 'a' }, { selected_agent: 'A', agent_type: 'a' })).toEqual([]);
  });
});
