// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
import { RETRYABLE_TASK_ERROR_TYPES, type Task, type TaskStatus } from '@agent-orchestrator/domain';

import type { TaskRepository } from '../repositories';
import { makeTask, openTestDatabase, tick, type TestDatabase } from '../testing/mongo-test-env';

let db: TestDatabase;
let tasks: TaskRepository;
const retryableTypes = RETRYABLE_TASK_ERROR_TYPES;

beforeAll(async () => {
  db = await openTestDatabase();
  tasks = db.store.repositories.tasks;
});

afterAll(async () => {
  await db?.dispose();
});

async function failedTask(type = 'TIMEOUT', overrides: Partial<Task> = {}): Promise<Task> {
  const started = tick();
  const failedAt = tick();
  return tasks.create(
    makeTask({
      status: 'failed',
      started_at: started,
      completed_at: failedAt,
      updated_at: failedAt,
      error: { type, message: `failed with ${type}` },
      attempts: 2,
      ...overrides,
    }),
  );
}

describe('requeueFailed', () => {
  it('moves a failed task back to queued, keeping attempts and pushing the error onto retries', async () => {
    const task = await failedTask('LLM_ERROR');
    const now = tick();
    const out = await tasks.requeueFailed(task.task_id, { retryableTypes }, now);
    expect(out).toEqual({
      ...task,
      status: 'queued',
      error: null,
      result: null,
      started_at: null,
      completed_at: null,
      queued_at: now,
      updated_at: now,
      attempts: 2,
      retries: [{ error: { type: 'LLM_ERROR', message: 'failed with LLM_ERROR' }, failed_at: task.completed_at, retried_at: now, attempts: 2 }],
    });
    expect(await tasks.findById(task.task_id)).toEqual(out);
  });

  it('keeps the whole history across several retries, and the worker can pick the task up again', async () => {
    const task = await failedTask('TIMEOUT');
    const first = await tasks.requeueFailed(task.task_id, { retryableTypes }, tick());
    const picked = await tasks.markProcessing(task.task_id, tick());
    expect(picked).toMatchObject({ status: 'processing', attempts: 3 });
    await tasks.fail(task.task_id, { error: { type: 'SEARCH_ERROR', message: 'again' } }, tick());
    const second = await tasks.requeueFailed(task.task_id, { retryableTypes }, tick());
    expect(second!.retries.map((r) => [r.error?.type, r.attempts])).toEqual([
      ['TIMEOUT', 2],
      ['SEARCH_ERROR', 3],
    ]);
    expect(second!.retries[0]).toEqual(first!.retries[0]);
  });

  it.each<[string, TaskStatus, string | null]>([
    ['a queued task', 'queued', null],
    ['a processing task', 'processing', null],
    ['a completed task', 'completed', null],
    ['a cancelled task', 'cancelled', 'CANCELLED'],
    ['a task failed for a permanent cause', 'failed', 'UNKNOWN_TASK_TYPE'],
    ['a failed task without an error', 'failed', null],
  ])('leaves %s alone and returns null', async (_name, status, errorType) => {
    const task = await tasks.create(makeTask({ status, error: errorType === null ? null : { type: errorType, message: 'x' } }));
    expect(await tasks.requeueFailed(task.task_id, { retryableTypes }, tick())).toBeNull();
    expect(await tasks.findById(task.task_id)).toEqual(task);
  });

  it('returns null for an unknown task', async () => {
    expect(await tasks.requeueFailed('no-such-task', { retryableTypes }, tick())).toBeNull();
  });

  it('lets exactly one of several concurrent retries win', async () => {
    const task = await failedTask('INTERNAL_ERROR');
    const now = tick();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => tasks.requeueFailed(task.task_id, { retryableTypes }, now)));
    expect(outcomes.filter((o) => o !== null)).toHaveLength(1);
    expect((await tasks.findById(task.task_id))!.retries).toHaveLength(1);
  });

  it('reads tasks stored before retries existed as never retried', async () => {
    const task = await failedTask('TIMEOUT');
    await db.raw.collection('tasks').updateOne({ task_id: task.task_id }, { $unset: { retries: '' } });
    expect((await tasks.findById(task.task_id))!.retries).toEqual([]);
    expect((await tasks.requeueFailed(task.task_id, { retryableTypes }, tick()))!.retries).toHaveLength(1);
  });
});
