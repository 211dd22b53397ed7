// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { ValidationError, type Task, type TaskStatus, type TaskUsage } from '@agent-orchestrator/domain';

import { DuplicateKeyError } from '../errors';
import { createModels } from '../models/models';
import type { TaskRepository, TaskRouting } from '../repositories';
import { makeTask, tick, useTestDatabase } from '../testing/mongo-test-env';
import { openConnection } from './open-connection';

const db = useTestDatabase();
let tasks: TaskRepository;

beforeAll(() => {
  tasks = db.store.repositories.tasks;
});

const usage: TaskUsage = {
  prompt_tokens: 120,
  completion_tokens: 80,
  total_tokens: 200,
  cost_usd: 0.00012,
  by_model: [{ model: 'gpt-4o-mini', prompt_tokens: 120, completion_tokens: 80, total_tokens: 200, cost_usd: 0.00012 }],
};
const result = {
  summary: 'Short answer.',
  raw_output: '```ts\nconst x = 1;\n```',
  code_language: 'typescript',
  citations: [{ source: 'tavily', title: 'Docs', url: 'https://example.com/docs' }],
};
const routing: TaskRouting = {
  selected_agent: 'CodeAgent',
  agent_type: 'code',
  agent_version: '1.0.0',
  peer_routing_reason: 'asks for code',
  confidence: 0.91,
};

async function seed(status: TaskStatus, overrides: Partial<Task> = {}): Promise<Task> {
  return tasks.create(makeTask({ status, ...overrides }));
}

describe('create / findById', () => {
  it('round-trips every field as plain domain values', async () => {
    const task = makeTask({
      status: 'completed',
      started_at: tick(),
      completed_at: tick(),
      selected_agent: 'ContentAgent',
      agent_type: 'content',
      agent_version: '0.3.1',
      peer_routing_reason: 'long-form writing',
      confidence: 0.75,
      result,
      error: null,
      usage,
      attempts: 2,
      metadata: { ip: null, user_agent: 'Mozilla/5.0', request_id: 'req-1', environment: 'test' },
    });
    const created = await tasks.create(task);
    const found = await tasks.findById(task.task_id);

    for (const got of [created, found]) {
      expect(got).not.toBeNull();
      expect(got).not.toHaveProperty('_id');
      expect(Object.keys(got!).sort()).toEqual(Object.keys(task).sort());
      for (const key of Object.keys(task) as (keyof Task)[]) {
        expect([key, got![key]]).toEqual([key, task[key]]);
      }
      expect(got!.created_at).toBeInstanceOf(Date);
      expect(got!.queued_at).toBeInstanceOf(Date);
      expect(got!.started_at).toBeInstanceOf(Date);
      expect(got!.result!.citations[0]).not.toHaveProperty('_id');
      expect(got!.usage.by_model[0]).not.toHaveProperty('_id');
    }
  });

  it('keeps nulls of a freshly queued task', async () => {
    const task = makeTask();
    await tasks.create(task);
    expect(await tasks.findById(task.task_id)).toEqual(task);
  });

  it('stores no _id-bearing sub-documents and no version key', async () => {
    const task = await seed('completed', { result, usage });
    const raw = await db.raw.collection('tasks').findOne({ task_id: task.task_id });
    expect(raw).not.toHaveProperty('__v');
    expect(raw!['result'].citations[0]).not.toHaveProperty('_id');
    expect(raw!['usage'].by_model[0]).not.toHaveProperty('_id');
  });

  it('returns null for an unknown id', async () => {
    expect(await tasks.findById('no-such-task')).toBeNull();
  });

  it('rejects a duplicate task_id with DuplicateKeyError', async () => {
    const task = await seed('queued');
    const again = tasks.create({ ...task, task: 'other text' });
    await expect(again).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(again).rejects.toMatchObject({ collection: 'tasks', type: 'INTERNAL_ERROR' });
    expect((await tasks.findById(task.task_id))!.task).toBe(task.task);
  });

  it('rejects a task whose status is not a TaskStatus', async () => {
    await expect(tasks.create(makeTask({ status: 'paused' as TaskStatus }))).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('filter injection', () => {
  it('never treats an object id as a query operator', async () => {
    await seed('queued');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const evil = { $gt: '' } as any;
    await expect(tasks.findById(evil)).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.markProcessing(evil, tick())).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.complete(evil, { result, usage }, tick())).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.fail(evil, { error: { type: 'X', message: 'x' } }, tick())).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.recentBySession(evil, { limit: 5 })).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.recentBySession('s', { limit: 5, excludeTaskId: evil })).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.create(makeTask({ task_id: evil }))).rejects.toBeInstanceOf(ValidationError);
  });

  it('matches an operator-looking string only literally', async () => {
    expect(await tasks.findById('{"$gt":""}')).toBeNull();
    expect(await tasks.findById('$gt')).toBeNull();
  });
});

type Op = 'markProcessing' | 'recordRouting' | 'complete' | 'fail';
const ops: Record<Op, (id: string, now: Date) => Promise<Task | null>> = {
  markProcessing: (id, now) => tasks.markProcessing(id, now),
  recordRouting: (id, now) => tasks.recordRouting(id, routing, now),
  complete: (id, now) => tasks.complete(id, { result, usage }, now),
  fail: (id, now) => tasks.fail(id, { error: { type: 'LLM_ERROR', message: 'upstream 500' } }, now),
};
const allowed: Record<Op, TaskStatus[]> = {
  markProcessing: ['queued', 'processing'],
  recordRouting: ['processing'],
  complete: ['processing'],
  fail: ['queued', 'processing'],
};
const cases = (Object.keys(ops) as Op[]).flatMap((op) =>
  (['queued', 'processing', 'completed', 'failed'] as TaskStatus[]).map((from) => [op, from, allowed[op].includes(from)] as const),
);

describe('status transitions', () => {
  it.each(cases)('%s from %s: allowed=%s', async (op, from, isAllowed) => {
    const task = await seed(from, from === 'completed' ? { result, completed_at: tick() } : {});
    const now = tick();
    const out = await ops[op](task.task_id, now);
    const stored = await tasks.findById(task.task_id);
    if (!isAllowed) {
      expect(out).toBeNull();
      expect(stored).toEqual(task); // untouched
      return;
    }
    expect(out).toEqual(stored);
    expect(out!.updated_at).toEqual(now);
    expect(out).not.toHaveProperty('_id');
  });

  it('returns null for a task that does not exist', async () => {
    for (const op of Object.values(ops)) {
      expect(await op('missing-task', tick())).toBeNull();
    }
  });

  it('markProcessing sets processing + started_at and bumps attempts on every pickup', async () => {
    const task = await seed('queued');
    const t1 = tick();
    const first = await tasks.markProcessing(task.task_id, t1);
    expect(first).toMatchObject({ status: 'processing', started_at: t1, updated_at: t1, attempts: 1 });
    const t2 = tick();
    const second = await tasks.markProcessing(task.task_id, t2);
    expect(second).toMatchObject({ status: 'processing', started_at: t2, updated_at: t2, attempts: 2 });
    expect(second!.created_at).toEqual(task.created_at);
  });

  it('recordRouting stores the router decision and nothing else', async () => {
    const task = await seed('processing', { started_at: tick(), attempts: 1 });
    const now = tick();
    const out = await tasks.recordRouting(task.task_id, { ...routing, status: 'completed', attempts: 99 } as TaskRouting, now);
    expect(out).toEqual({ ...task, ...routing, updated_at: now });
  });

  it('complete sets result, usage, completed_at and clears a previous error', async () => {
    const task = await seed('processing', { error: { type: 'TIMEOUT', message: 'first attempt' }, attempts: 2 });
    const now = tick();
    const out = await tasks.complete(task.task_id, { result, usage }, now);
    expect(out).toEqual({ ...task, status: 'completed', result, usage, error: null, completed_at: now, updated_at: now });
  });

  it("complete with the caller's copy of the task stores the same latency, day and webhook marker as without, without reading them first", async () => {
    const stored = (raw: string) => db.raw.collection('tasks').findOne({ _id: raw as never }, { projection: { _id: 0, latency_ms: 1, finished_day: 1, webhook_pending_at: 1 } });
    const callback_url = 'https://example.com/hook';
    const a = (await tasks.markProcessing((await seed('queued', { callback_url })).task_id, tick()))!;
    const b = (await tasks.markProcessing((await seed('queued', { callback_url, queued_at: a.queued_at })).task_id, tick()))!;
    const now = tick();
    const withCopy = await tasks.complete(a.task_id, { result, usage }, now, a);
    const withRead = await tasks.complete(b.task_id, { result, usage }, now);
    expect(withCopy).toEqual({ ...a, status: 'completed', result, usage, error: null, completed_at: now, updated_at: now });
    expect(withRead).toEqual({ ...b, status: 'completed', result, usage, error: null, completed_at: now, updated_at: now });
    expect(await stored(a.task_id)).toEqual(await stored(b.task_id));
    expect(await stored(a.task_id)).toEqual({ latency_ms: now.getTime() - a.queued_at.getTime(), finished_day: now.toISOString().slice(0, 10), webhook_pending_at: now });
  });

  it('complete with a stale copy (the task was queued again since) takes the latency from the stored queued_at', async () => {
    const task = (await tasks.markProcessing((await seed('queued')).task_id, tick()))!;
    const requeuedAt = tick();
    await db.raw.collection('tasks').updateOne({ _id: task.task_id as never }, { $set: { queued_at: requeuedAt } });
    const now = tick();
    const out = await tasks.complete(task.task_id, { result, usage }, now, task);
    expect(out).toMatchObject({ status: 'completed', queued_at: requeuedAt });
    const doc = await db.raw.collection('tasks').findOne({ _id: task.task_id as never });
    expect(doc!['latency_ms']).toBe(now.getTime() - requeuedAt.getTime());
    // And a copy of a task that is not processing any more still moves nothing.
    expect(await tasks.complete(task.task_id, { result, usage }, tick(), task)).toBeNull();
  });

  it('fail sets the error and completed_at, keeping usage when none is given', async () => {
    const task = await seed('processing', { usage });
    const now = tick();
    const error = { type: 'UNKNOWN_TASK_TYPE', message: 'no agent fits' };
    const out = await tasks.fail(task.task_id, { error }, now);
    expect(out).toEqual({ ...task, status: 'failed', error, completed_at: now, updated_at: now });
  });

  it('fail stores usage so far when given', async () => {
    const task = await seed('queued');
    const out = await tasks.fail(task.task_id, { error: { type: 'TIMEOUT', message: 'took too long' }, usage }, tick());
    expect(out!.usage).toEqual(usage);
  });

  it('complete on a queued task returns null; fail on a completed task returns null', async () => {
    const queued = await seed('queued');
    expect(await tasks.complete(queued.task_id, { result, usage }, tick())).toBeNull();
    const done = await seed('processing');
    expect(await tasks.complete(done.task_id, { result, usage }, tick())).not.toBeNull();
    expect(await tasks.fail(done.task_id, { error: { type: 'X', message: 'late' } }, tick())).toBeNull();
    expect(await tasks.complete(done.task_id, { result, usage }, tick())).toBeNull();
    expect((await tasks.findById(done.task_id))!.status).toBe('completed');
  });

  it('lets exactly one of eight concurrent complete calls win', async () => {
    const task = await seed('processing');
    const now = tick();
    const callers = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    const outcomes = await Promise.all(callers.map((who) => tasks.complete(task.task_id, { result: { ...result, raw_output: who }, usage }, now)));
    const winners = outcomes.filter((o) => o !== null);
    // MongoDB applies the conditional update atomically; the FerretDB used in tests gets the
    // same guarantee from the write-serializing proxy in tools/ferretdb.
    expect(winners).toHaveLength(1);
    const stored = await tasks.findById(task.task_id);
    expect(stored).toEqual(winners[0]);
    expect(await tasks.complete(task.task_id, { result, usage }, tick())).toBeNull();
  });

  it('rejects an invalid Date for now', async () => {
    const task = await seed('queued');
    await expect(tasks.markProcessing(task.task_id, new Date('nope'))).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('cancelStates', () => {
  it('reads the status and cancel request of each existing task of the list, in one query', async () => {
    const a = (await tasks.markProcessing((await seed('queued')).task_id, tick()))!;
    const b = (await tasks.markProcessing((await seed('queued')).task_id, tick()))!;
    const c = await seed('queued');
    const asked = await tasks.requestCancel(b.task_id, tick());
    await tasks.requestCancel(c.task_id, tick());
    const states = await tasks.cancelStates([a.task_id, b.task_id, c.task_id, 'missing-task', a.task_id]);
    expect(states.sort((x, y) => x.task_id.localeCompare(y.task_id))).toEqual(
      [
        { task_id: a.task_id, status: 'processing', cancel_requested_at: null },
        { task_id: b.task_id, status: 'processing', cancel_requested_at: asked!.task.cancel_requested_at },
        { task_id: c.task_id, status: 'cancelled', cancel_requested_at: expect.any(Date) },
      ].sort((x, y) => x.task_id.localeCompare(y.task_id)),
    );
    expect(await tasks.cancelStates([])).toEqual([]);
  });

  it('refuses an operator-looking id', async () => {
    await expect(tasks.cancelStates([{ $ne: null } as unknown as string])).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('recentBySession', () => {
  it('returns the session tasks newest first, excluding one, up to the limit', async () => {
    const session_id = 'session-recent';
    const seeded: Task[] = [];
    for (let i = 0; i < 5; i++) seeded.push(await seed('completed', { session_id, created_at: tick(), task: `t${i}` }));
    await seed('completed', { session_id: 'another-session', created_at: tick() });

    const all = await tasks.recentBySession(session_id, { limit: 10 });
    expect(all.map((t) => t.task)).toEqual(['t4', 't3', 't2', 't1', 't0']);
    all.forEach((t) => expect(t).not.toHaveProperty('_id'));

    const excluded = await tasks.recentBySession(session_id, { limit: 3, excludeTaskId: seeded[4]!.task_id });
    expect(excluded.map((t) => t.task)).toEqual(['t3', 't2', 't1']);

    expect(await tasks.recentBySession(session_id, { limit: 0 })).toEqual([]);
    expect(await tasks.recentBySession('empty-session', { limit: 5 })).toEqual([]);
  });

  it('breaks created_at ties by task id, newest order as in list', async () => {
    const session_id = 'session-ties';
    const at = tick();
    for (const [name, task_id] of [['b', 'tie-b'], ['c', 'tie-c'], ['a', 'tie-a']]) await seed('queued', { session_id, created_at: at, task: name, task_id });
    const got = await tasks.recentBySession(session_id, { limit: 10 });
    expect(got.map((t) => t.task)).toEqual(['c', 'b', 'a']);
  });

  it('bounds by createdAtOrBefore in the query, before the limit, so an old task sees its own predecessors', async () => {
    const session_id = 'session-bounded';
    const seeded: Task[] = [];
    for (let i = 0; i < 9; i++) seeded.push(await seed('completed', { session_id, created_at: tick(), task: `t${i}` }));
    // t2 is retried long after t3..t8 were created: its predecessors are t0 and t1, whatever came later.
    const old = seeded[2]!;
    const got = await tasks.recentBySession(session_id, { limit: 5, excludeTaskId: old.task_id, createdAtOrBefore: old.created_at });
    expect(got.map((t) => t.task)).toEqual(['t1', 't0']);
    // The limit still keeps the newest of those before the bound.
    const later = seeded[7]!;
    const five = await tasks.recentBySession(session_id, { limit: 5, excludeTaskId: later.task_id, createdAtOrBefore: later.created_at });
    expect(five.map((t) => t.task)).toEqual(['t6', 't5', 't4', 't3', 't2']);
    await expect(tasks.recentBySession(session_id, { limit: 5, createdAtOrBefore: 'yesterday' as unknown as Date })).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects a negative limit', async () => {
    await expect(tasks.recentBySession('s', { limit: -1 })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('connection-level sanitizeFilter (second line of defence)', () => {
  it('neutralises an operator that slips past the repository checks', async () => {
    await seed('queued');
    const { conn } = await openConnection({ uri: db.uri, dbName: db.dbName });
    try {
      const { tasks: model } = createModels(conn);
      expect(await model.countDocuments({})).toBeGreaterThan(0);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const injected = { task_id: { $gt: '' } as any };
      // Control: sent as is, the operator matches some task.
      expect(await db.raw.collection('tasks').findOne(injected)).not.toBeNull();
      // With it, `{ $gt: '' }` becomes `{ $eq: { $gt: '' } }`, which cannot be cast to a string: the query fails.
      await expect(model.findOne(injected).lean()).rejects.toMatchObject({ name: 'CastError' });
      await expect(model.countDocuments(injected)).rejects.toMatchObject({ name: 'CastError' });
    } finally {
      await conn.close();
    }
  });
});
