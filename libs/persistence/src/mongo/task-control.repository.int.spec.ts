// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// TaskRepository.requestCancel / markCancelled (cancellation) and listStale (the worker's reconciler).
import { ValidationError, type Task, type TaskStatus } from '@agent-orchestrator/domain';

import type { TaskRepository } from '../repositories';
import { makeTask, tick, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();
let tasks: TaskRepository;

beforeAll(() => {
  tasks = db.store.repositories.tasks;
});

async function seed(status: TaskStatus, overrides: Partial<Task> = {}): Promise<Task> {
  return tasks.create(makeTask({ status, ...overrides }));
}

const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost_usd: 0.00001, by_model: [] };

describe('requestCancel', () => {
  it('cancels a queued task at once: status, error, completed_at and cancel_requested_at, no latency stamp', async () => {
    const task = await seed('queued');
    const now = tick();
    const out = await tasks.requestCancel(task.task_id, now);
    expect(out?.change).toBe('cancelled');
    expect(out?.task).toMatchObject({ status: 'cancelled', completed_at: now, updated_at: now, cancel_requested_at: now, error: { type: 'CANCELLED', message: expect.any(String) } });
    expect(await tasks.findById(task.task_id)).toEqual(out?.task);
    const raw = await db.raw.collection('tasks').findOne({ task_id: task.task_id });
    expect(raw?.['finished_day'] ?? null).toBeNull();
  });

  it('marks a processing task once and keeps the first request time', async () => {
    const task = await seed('processing', { started_at: tick(), attempts: 1 });
    const first = tick();
    const out = await tasks.requestCancel(task.task_id, first);
    expect(out).toEqual({ change: 'requested', task: expect.objectContaining({ status: 'processing', cancel_requested_at: first, updated_at: first }) });
    const again = await tasks.requestCancel(task.task_id, tick());
    expect(again).toEqual({ change: 'none', task: expect.objectContaining({ status: 'processing', cancel_requested_at: first }) });
  });

  it.each(['completed', 'failed', 'cancelled'] as const)('leaves a %s task alone', async (status) => {
    const task = await seed(status, { completed_at: tick() });
    const out = await tasks.requestCancel(task.task_id, tick());
    expect(out).toEqual({ change: 'none', task });
  });

  it('returns null for an unknown task', async () => {
    expect(await tasks.requestCancel('no-such-task', tick())).toBeNull();
  });

  it('lets exactly one of a pickup and a cancel racing on a queued task win the queued state', async () => {
    const task = await seed('queued');
    const now = tick();
    const [picked, cancel] = await Promise.all([tasks.markProcessing(task.task_id, now), tasks.requestCancel(task.task_id, now)]);
    const stored = (await tasks.findById(task.task_id))!;
    if (picked && picked.status === 'processing' && cancel?.change === 'requested') {
      expect(stored).toMatchObject({ status: 'processing', cancel_requested_at: now });
    } else {
      expect(picked).toBeNull();
      expect(cancel?.change).toBe('cancelled');
      expect(stored.status).toBe('cancelled');
    }
  });
});

describe('markCancelled', () => {
  it('moves a processing task to cancelled with the usage so far', async () => {
    const task = await seed('processing', { started_at: tick(), cancel_requested_at: tick() });
    const now = tick();
    const out = await tasks.markCancelled(task.task_id, { usage }, now);
    expect(out).toMatchObject({ status: 'cancelled', completed_at: now, usage, error: { type: 'CANCELLED' }, result: null });
  });

  it.each(['completed', 'failed', 'cancelled'] as const)('does not touch a %s task', async (status) => {
    const task = await seed(status, { completed_at: tick() });
    expect(await tasks.markCancelled(task.task_id, {}, tick())).toBeNull();
    expect(await tasks.findById(task.task_id)).toEqual(task);
  });
});

describe('listStale', () => {
  it('returns the tasks of one status queued before the cutoff, oldest first, in keyset batches', async () => {
    const base = Date.UTC(2001, 0, 1);
    const at = (s: number) => new Date(base + s * 1000);
    const old = [];
    for (let i = 0; i < 5; i++) old.push(await seed('queued', { queued_at: at(i), created_at: at(i) }));
    // Same queued_at as old[4]: ties are split by task_id.
    old.push(await seed('queued', { queued_at: at(4), created_at: at(4) }));
    await seed('queued', { queued_at: at(100) }); // too recent
    await seed('processing', { queued_at: at(1) }); // other status
    const expected = [...old].sort((a, b) => a.queued_at.getTime() - b.queued_at.getTime() || a.task_id.localeCompare(b.task_id)).map((t) => t.task_id);

    const seen: string[] = [];
    let after: { queued_at: Date; task_id: string } | undefined;
    for (;;) {
      const batch = await tasks.listStale({ status: 'queued', olderThan: at(50), limit: 4, after });
      seen.push(...batch.map((t) => t.task_id));
      const last = batch[batch.length - 1];
      if (batch.length < 4 || !last) break;
      after = { queued_at: last.queued_at, task_id: last.task_id };
    }
    expect(seen).toEqual(expected);
    const processing = await tasks.listStale({ status: 'processing', olderThan: at(50), limit: 10 });
    expect(processing.map((t) => t.status)).toEqual(['processing']);
  });

  it('rejects a bad status or limit', async () => {
    await expect(tasks.listStale({ status: 'nope' as TaskStatus, olderThan: tick(), limit: 1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.listStale({ status: 'queued', olderThan: tick(), limit: 0 })).rejects.toBeInstanceOf(ValidationError);
  });
});
