// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup.
// The reconciler (@agent-orchestrator/tasks) against a real store and the Bull adapter of its queue port
// (a key prefix of its own, no consumer), and its leased loop on real Redis leases.
import { randomUUID } from 'node:crypto';
import { PROCESS_TASK_JOB, newTask, type Task, type TaskEvent } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { BullTaskQueue, RedisLock, type TaskQueue } from '@agent-orchestrator/messaging';
import { TaskEventLog, createLogger } from '@agent-orchestrator/observability';
import { Reconciler, startLeasedLoop } from '@agent-orchestrator/tasks';
import { testRedisUrl, uniquePrefix } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const logger = createLogger({ service: 'test', level: 'error', silent: true });
const MINUTE = 60_000;

describe('reconciler (real MongoDB + Redis)', () => {
  const dbName = testDatabaseName('ao_reconcile');
  const redisUrl = testRedisUrl();
  let store: MongoStore;
  let adapter: BullTaskQueue;
  /** The Bull queue underneath, to set up and inspect jobs by hand. */
  let queue: TaskQueue;
  let seen: TaskEvent[];
  const now = new Date();

  const reconciler = (overrides: Partial<ConstructorParameters<typeof Reconciler>[0]> = {}) =>
    new Reconciler({
      tasks: store.repositories.tasks,
      queue: adapter,
      events: new TaskEventLog(logger, 'worker').addSink((e) => seen.push(e)),
      logger,
      graceMs: MINUTE,
      deadlineMs: 15 * MINUTE,
      batchSize: 100,
      now: () => now,
      ...overrides,
    });

  /** A task queued `agoMs` before `now`, in `status`. */
  async function seed(status: Task['status'], agoMs: number, extra: Partial<Task> = {}): Promise<Task> {
    const at = new Date(now.getTime() - agoMs);
    const task = { ...newTask({ task_id: randomUUID(), session_id: randomUUID(), task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: at }), status, ...extra };
    return store.repositories.tasks.create(task);
  }
  const addJob = (taskId: string) => queue.add(PROCESS_TASK_JOB, { task_id: taskId }, { jobId: taskId });
  const stateOf = async (taskId: string) => (await (await queue.getJob(taskId))?.getState()) ?? 'missing';
  const eventsOf = (taskId: string) => seen.filter((e) => e.task_id === taskId).map((e) => [e.event, e.data['reason']]);

  beforeAll(async () => {
    store = await connectMongo({ uri: process.env['MONGO_URI']!, dbName });
    await store.ensureIndexes();
    adapter = new BullTaskQueue(redisUrl, { prefix: uniquePrefix('rec') });
    queue = adapter.queue;
    await adapter.ready();
  });
  beforeEach(async () => {
    seen = [];
    await queue.obliterate({ force: true });
    await dropTestDatabase(dbName, { collections: ['tasks'] });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await store.close();
    await dropTestDatabase(dbName);
  });

  it('re-enqueues a queued task that has no job (the enqueue failed after the insert)', async () => {
    const task = await seed('queued', 2 * MINUTE);
    const report = await reconciler().runOnce();
    expect(report).toMatchObject({ requeued: 1, timed_out: 0 });
    expect(await stateOf(task.task_id)).toBe('waiting');
    // For the task's tenant ('default': it has none), placed by fair queuing (a virtual-time tag as its priority).
    const job = await queue.getJob(task.task_id);
    expect(job?.data).toEqual({ task_id: task.task_id, tenant: 'default' });
    expect(job?.opts.priority).toBeGreaterThanOrEqual(1);
    expect(eventsOf(task.task_id)).toEqual([['task.requeued', 'job_missing']]);
  });

  it('replaces a finished job of a task still queued or processing (it ended without writing the task)', async () => {
    const queued = await seed('queued', 2 * MINUTE);
    const processing = await seed('processing', 3 * MINUTE, { attempts: 1 });
    // Run each job's last attempt by hand (no consumer here): one fails (MongoDB was down), one returns without writing.
    for (const t of [queued, processing]) {
      await queue.add(PROCESS_TASK_JOB, { task_id: t.task_id }, { jobId: t.task_id, attempts: 1 });
      const job = (await queue.getNextJob())!;
      expect(job.id).toBe(t.task_id);
      if (t === queued) await job.moveToFailed({ message: 'MongoDB was down' });
      else await job.moveToCompleted('missing', false, true);
    }
    expect(await stateOf(queued.task_id)).toBe('failed');
    expect(await stateOf(processing.task_id)).toBe('completed');

    expect(await reconciler().runOnce()).toMatchObject({ requeued: 2 });
    expect(await stateOf(queued.task_id)).toBe('waiting');
    expect(await stateOf(processing.task_id)).toBe('waiting');
    expect(eventsOf(queued.task_id)).toEqual([['task.requeued', 'job_failed']]);
    expect(eventsOf(processing.task_id)).toEqual([['task.requeued', 'job_completed']]);
  });

  it('leaves alone tasks with a live job, recent tasks and finished tasks', async () => {
    const waiting = await seed('queued', 2 * MINUTE);
    await addJob(waiting.task_id);
    await seed('queued', 10_000); // inside the grace period
    await seed('completed', 20 * MINUTE, { completed_at: now });
    await seed('cancelled', 20 * MINUTE, { completed_at: now });
    expect(await reconciler().runOnce()).toEqual({ checked: 1, requeued: 0, timed_out: 0, cancelled: 0 });
    expect(seen).toEqual([]);
  });

  it('re-enqueues a processing task whose worker died with its job, or cancels it when a cancel was requested', async () => {
    const lost = await seed('processing', 2 * MINUTE, { attempts: 1 });
    const wanted = await seed('processing', 2 * MINUTE, { attempts: 1, cancel_requested_at: now });
    expect(await reconciler().runOnce()).toMatchObject({ requeued: 1, cancelled: 1 });
    expect(await stateOf(lost.task_id)).toBe('waiting');
    expect(await stateOf(wanted.task_id)).toBe('missing');
    expect((await store.repositories.tasks.findById(wanted.task_id))?.status).toBe('cancelled');
    expect(eventsOf(wanted.task_id)).toEqual([['task.cancelled', 'no_live_job']]);
  });

  it('fails tasks past the deadline with TIMEOUT and drops their waiting job', async () => {
    const late = await seed('queued', 20 * MINUTE);
    await addJob(late.task_id);
    const stuck = await seed('processing', 20 * MINUTE, { attempts: 3 });
    expect(await reconciler().runOnce()).toMatchObject({ timed_out: 2, requeued: 0 });
    for (const t of [late, stuck]) {
      const done = (await store.repositories.tasks.findById(t.task_id))!;
      expect(done).toMatchObject({ status: 'failed', error: { type: 'TIMEOUT', message: expect.stringContaining(String(15 * MINUTE)) } });
      expect(await stateOf(t.task_id)).toBe('missing');
      expect(eventsOf(t.task_id)).toEqual([['task.failed', 'deadline']]);
    }
  });

  it('is idempotent: two reconcilers at once leave one job per task', async () => {
    const tasks = await Promise.all([seed('queued', 2 * MINUTE), seed('queued', 3 * MINUTE), seed('processing', 4 * MINUTE)]);
    await Promise.all([reconciler().runOnce(), reconciler().runOnce()]);
    for (const t of tasks) expect(await stateOf(t.task_id)).toBe('waiting');
    expect((await queue.getJobCounts()).waiting).toBe(3);
    // A later pass finds every job live.
    expect(await reconciler().runOnce()).toMatchObject({ requeued: 0 });
  });

  it('walks a backlog larger than one batch across passes', async () => {
    const tasks = [];
    for (let i = 0; i < 5; i++) tasks.push(await seed('queued', (10 - i) * MINUTE));
    const r = reconciler({ batchSize: 2 });
    const requeued = [];
    for (let pass = 0; pass < 3; pass++) requeued.push((await r.runOnce()).requeued);
    expect(requeued).toEqual([2, 2, 1]);
    for (const t of tasks) expect(await stateOf(t.task_id)).toBe('waiting');
  });

  it('runs passes only in the worker holding the lease', async () => {
    const passes = { a: 0, b: 0 };
    const lockKey = `test:reconciler:${randomUUID()}`;
    const loop = (owner: 'a' | 'b') =>
      startLeasedLoop({
        lease: new RedisLock(queue.client, lockKey, 1000, owner),
        intervalMs: 50,
        logger,
        failureMessage: 'reconciler pass failed; trying again on the next one',
        run: async () => void passes[owner]++,
      });
    const a = loop('a');
    await new Promise((resolve) => setTimeout(resolve, 120));
    const b = loop('b');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(passes.a).toBeGreaterThan(1);
    expect(passes.b).toBe(0);
    // The holder stops and gives the lease back: the other takes over.
    await a.stop();
    const before = passes.a;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(passes.b).toBeGreaterThan(0);
    expect(passes.a).toBe(before);
    await b.stop();
  });
});
