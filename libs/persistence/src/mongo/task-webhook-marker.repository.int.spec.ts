// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
//
// The webhook marker (`webhook_pending_at`): set by a task's ending in the ending's own update when
// the task has a callback URL, listed by the webhook sweep through its sparse index, cleared only for
// the ending that set it, and removed by a client's retry.
import { ErrorType, ValidationError, type Task } from '@agent-orchestrator/domain';

import type { TaskRepository } from '../repositories';
import { makeTask, openTestDatabase, tick, type TestDatabase } from '../testing/mongo-test-env';

let db: TestDatabase;
let tasks: TaskRepository;

beforeAll(async () => {
  db = await openTestDatabase('ao_whm');
  tasks = db.store.repositories.tasks;
});

afterAll(async () => {
  await db?.dispose();
});

const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, cost_usd: 0, by_model: [] };
const result = { summary: 's', raw_output: 'r', code_language: null, citations: [] };

async function processing(callback_url: string | null = 'https://example.com/hook'): Promise<Task> {
  const task = await tasks.create(makeTask({ callback_url }));
  return (await tasks.markProcessing(task.task_id, tick()))!;
}

/** The stored marker, read behind the repository. */
async function markerOf(taskId: string): Promise<unknown> {
  const doc = await db.raw.collection('tasks').findOne({ _id: taskId as never });
  return doc && 'webhook_pending_at' in doc ? doc['webhook_pending_at'] : 'absent';
}

describe('the webhook marker on MongoDB', () => {
  it('is set to the ending time by complete, fail, markCancelled and requestCancel of a task with a callback URL', async () => {
    const [a, b, c] = [await processing(), await processing(), await processing()];
    const queued = await tasks.create(makeTask({ callback_url: 'https://example.com/q' }));
    const done = await tasks.complete(a.task_id, { result, usage }, tick());
    const failed = await tasks.fail(b.task_id, { error: { type: ErrorType.LLM_ERROR, message: 'x' } }, tick());
    const cancelled = await tasks.markCancelled(c.task_id, {}, tick());
    const request = await tasks.requestCancel(queued.task_id, tick());
    expect(request?.change).toBe('cancelled');
    for (const t of [done!, failed!, cancelled!, request!.task]) {
      expect(t.completed_at).toBeInstanceOf(Date);
      expect(await markerOf(t.task_id)).toEqual(t.completed_at);
    }
    // Not part of the task as the domain (and GET /v1/tasks/{id}) sees it.
    expect(done).not.toHaveProperty('webhook_pending_at');
  });

  it('is not set for a task without a callback URL, nor by a move that is not an ending', async () => {
    const t = await processing(null);
    await tasks.complete(t.task_id, { result, usage }, tick());
    expect(await markerOf(t.task_id)).toBe('absent');
    const running = await processing();
    await tasks.requestCancel(running.task_id, tick()); // only requested: the worker ends it
    expect(await markerOf(running.task_id)).toBe('absent');
    // A move refused by the table writes nothing.
    expect(await tasks.complete(running.task_id, { result, usage }, tick())).toMatchObject({ status: 'completed' });
    const before = await markerOf(running.task_id);
    expect(await tasks.fail(running.task_id, { error: { type: ErrorType.LLM_ERROR, message: 'late' } }, tick())).toBeNull();
    expect(await markerOf(running.task_id)).toEqual(before);
  });

  it('lists marked tasks older than the bound, oldest first, within the limit; clears only the ending that set it', async () => {
    const start = tick();
    const ended: Task[] = [];
    for (let i = 0; i < 3; i++) {
      const t = await processing();
      ended.push((await tasks.complete(t.task_id, { result, usage }, tick()))!);
    }
    const bound = tick();
    const later = await processing();
    await tasks.complete(later.task_id, { result, usage }, tick());

    const listed = (await tasks.listWebhookPending(bound, 100)).filter((t) => t.completed_at! >= start);
    expect(listed.map((t) => t.task_id)).toEqual(ended.map((t) => t.task_id));
    expect(listed[0]).toMatchObject({ status: 'completed', callback_url: 'https://example.com/hook' });
    expect(await tasks.listWebhookPending(bound, 1)).toHaveLength(1);
    expect(await tasks.listWebhookPending(bound, 0)).toEqual([]);

    const [first] = ended;
    expect(await tasks.clearWebhookPending(first!.task_id, new Date(first!.completed_at!.getTime() - 1))).toBe(false);
    expect(await markerOf(first!.task_id)).toEqual(first!.completed_at);
    expect(await tasks.clearWebhookPending(first!.task_id, first!.completed_at!)).toBe(true);
    expect(await markerOf(first!.task_id)).toBe('absent'); // removed, not null: the sparse index drops it
    expect(await tasks.clearWebhookPending(first!.task_id, first!.completed_at!)).toBe(false);
    expect((await tasks.listWebhookPending(bound, 100)).map((t) => t.task_id)).not.toContain(first!.task_id);
  });

  it("is removed by a client's retry, and set again by the next ending", async () => {
    const t = await processing();
    await tasks.fail(t.task_id, { error: { type: ErrorType.LLM_ERROR, message: 'x' } }, tick());
    const requeued = await tasks.requeueFailed(t.task_id, { retryableTypes: [ErrorType.LLM_ERROR] }, tick());
    expect(requeued).toMatchObject({ status: 'queued' });
    expect(await markerOf(t.task_id)).toBe('absent');
    await tasks.markProcessing(t.task_id, tick());
    const done = await tasks.complete(t.task_id, { result, usage }, tick());
    expect(await markerOf(t.task_id)).toEqual(done!.completed_at);
  });

  it('has the sparse index the sweep reads through', async () => {
    const indexes = await db.raw.collection('tasks').listIndexes().toArray();
    expect(indexes.find((i) => JSON.stringify(i['key']) === JSON.stringify({ webhook_pending_at: 1 }))).toBeDefined();
  });

  it('refuses bad arguments with a validation error', async () => {
    await expect(tasks.listWebhookPending('yesterday' as never, 10)).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.listWebhookPending(tick(), -1)).rejects.toBeInstanceOf(ValidationError);
    await expect(tasks.clearWebhookPending({ $ne: null } as never, tick())).rejects.toBeInstanceOf(ValidationError);
  });
});
