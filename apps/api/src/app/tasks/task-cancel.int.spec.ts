// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup.
// POST /v1/tasks/{task_id}/cancel against a real store and a real Bull queue; every answer is held
// against the OpenAPI document (jest-setup.ts).
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { newTask, type Task, type TaskEvent } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import {
  bullApiMessaging,
  createTaskQueue,
  enqueueTask,
  pingQueue,
  subscribeTaskCancels,
  type TaskCancelSubscription,
  type TaskQueue,
} from '@agent-orchestrator/messaging';
import { TaskEventLog, createLogger } from '@agent-orchestrator/observability';
import { loadApiConfig } from '@agent-orchestrator/config';
import { createApp, settleCounters } from '../app';
import { testRedisUrl, waitUntil } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const cancelPath = (id: string) => `/v1/tasks/${id}/cancel`;

describe('POST /v1/tasks/{task_id}/cancel (integration)', () => {
  const mongoUri = process.env['MONGO_URI']!;
  const redisUrl = testRedisUrl();
  const dbName = testDatabaseName('api_cancel');
  const logger = createLogger({ service: 'api', level: 'error', silent: true });
  let store: MongoStore;
  let queue: TaskQueue;
  let subscription: TaskCancelSubscription;
  const published: string[] = [];
  const events: TaskEvent[] = [];

  const app = () =>
    createApp({
      config: loadApiConfig({ MONGO_URI: mongoUri, MONGO_DB_NAME: dbName, REDIS_URL: redisUrl, API_RATE_LIMIT_PER_MINUTE: '0' }),
      logger,
      store,
      ...bullApiMessaging(queue, { enqueueTimeoutMs: 5000 }),
      environment: 'int-test',
      events: new TaskEventLog(logger, 'api').addSink((e) => events.push(e)),
    });

  async function seed(status: Task['status'], extra: Partial<Task> = {}): Promise<Task> {
    const task = {
      ...newTask({
        task_id: randomUUID(),
        session_id: randomUUID(),
        task: 'Write a poem',
        metadata: { ip: null, user_agent: null, request_id: 'r-1', environment: 'int-test' },
        now: new Date(),
      }),
      status,
      ...extra,
    };
    return store.repositories.tasks.create(task);
  }

  beforeAll(async () => {
    store = await connectMongo({ uri: mongoUri, dbName, appName: 'api-cancel-int-tests' });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl, { failFast: true });
    if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) throw new Error(`Redis at ${redisUrl} is not reachable`);
    subscription = await subscribeTaskCancels(process.env['REDIS_URL']!, (id) => published.push(id));
  });

  afterAll(async () => {
    await subscription?.close();
    await queue?.empty().catch(() => undefined);
    await queue?.close();
    await store?.close();
    await dropTestDatabase(dbName);
  });

  it('cancels a queued task at once, drops its job and answers 200 with the task', async () => {
    const task = await seed('queued');
    await enqueueTask(queue, task.task_id);
    expect(await queue.getJob(task.task_id)).not.toBeNull();

    const res = await request(app()).post(cancelPath(task.task_id.toUpperCase())).expect(200);
    expect(res.body).toMatchObject({
      task_id: task.task_id,
      status: 'cancelled',
      error: { type: 'CANCELLED' },
      cancel_requested_at: expect.any(String),
      completed_at: expect.any(String),
      api_version: 'v1',
    });
    expect(await queue.getJob(task.task_id)).toBeNull();
    expect((await store.repositories.tasks.findById(task.task_id))?.status).toBe('cancelled');
    expect(events.filter((e) => e.task_id === task.task_id).map((e) => [e.event, e.service])).toEqual([['task.cancelled', 'api']]);

    // Idempotent: asking again gives the same answer and changes nothing.
    const again = await request(app()).post(cancelPath(task.task_id)).expect(200);
    expect(again.body.cancel_requested_at).toBe(res.body.cancel_requested_at);
  });

  it('marks a processing task, tells the workers and answers 202; a repeat keeps the first request', async () => {
    const task = await seed('processing', { started_at: new Date(), attempts: 1 });
    const res = await request(app()).post(cancelPath(task.task_id)).expect(202);
    expect(res.body).toMatchObject({ status: 'processing', cancel_requested_at: expect.any(String), completed_at: null });
    expect(await waitUntil(async () => published.includes(task.task_id), { timeoutMs: 5000 })).toBe(true);
    const again = await request(app()).post(cancelPath(task.task_id)).expect(202);
    expect(again.body.cancel_requested_at).toBe(res.body.cancel_requested_at);
  });

  it.each(['completed', 'failed'] as const)('answers 409 CONFLICT for a %s task and leaves it alone', async (status) => {
    const task = await seed(status, { completed_at: new Date() });
    const res = await request(app()).post(cancelPath(task.task_id)).expect(409);
    expect(res.body.error).toMatchObject({ type: 'CONFLICT', message: expect.stringContaining(status) });
    expect(await store.repositories.tasks.findById(task.task_id)).toEqual(task);
  });

  it('answers 404 for an unknown task and 400 for an id that is not a UUID v4', async () => {
    expect((await request(app()).post(cancelPath(randomUUID())).expect(404)).body.error.type).toBe('NOT_FOUND');
    expect((await request(app()).post(cancelPath('nope')).expect(400)).body.error.type).toBe('VALIDATION_ERROR');
  });

  it('lists cancelled tasks under status=cancelled and counts them in the metrics', async () => {
    const task = await seed('queued');
    const cancelling = app();
    await request(cancelling).post(cancelPath(task.task_id)).expect(200);
    // The app writes its counter increments within its window (COUNTERS_WRITE_WINDOW_MS): wait for this cancel's.
    await settleCounters(cancelling);
    const list = await request(app()).get('/v1/tasks?status=cancelled&limit=100').expect(200);
    expect(list.body.data.map((t: { task_id: string }) => t.task_id)).toContain(task.task_id);
    expect(list.body.data.every((t: { status: string }) => t.status === 'cancelled')).toBe(true);
    const metrics = await request(app()).get('/v1/system/metrics').expect(200);
    expect(metrics.body.tasks_today.cancelled).toBeGreaterThanOrEqual(1);
  });
});
