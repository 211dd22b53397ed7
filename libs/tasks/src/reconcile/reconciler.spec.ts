import { randomUUID } from 'node:crypto';
import { newTask, type Task } from '@agent-orchestrator/domain';
import { InMemoryTaskQueue, RecordingTaskEvents, recordingLogger } from '../testing';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { Reconciler, type ReconcilerDeps } from './reconciler';

const MINUTE = 60_000;

describe('Reconciler (in-memory queue)', () => {
  const now = new Date(Date.UTC(2030, 0, 1, 12));
  let store: InMemoryStore;
  let queue: InMemoryTaskQueue;
  let events: RecordingTaskEvents;
  const { logger } = recordingLogger();

  beforeEach(() => {
    store = new InMemoryStore();
    queue = new InMemoryTaskQueue();
    events = new RecordingTaskEvents();
  });

  const reconciler = (overrides: Partial<ReconcilerDeps> = {}) =>
    new Reconciler({ tasks: store.repositories.tasks as ReconcilerDeps['tasks'], queue, events, logger, graceMs: MINUTE, deadlineMs: 15 * MINUTE, batchSize: 100, now: () => now, ...overrides });

  async function seed(status: Task['status'], agoMs: number, extra: Partial<Task> = {}): Promise<Task> {
    const task = { ...newTask({ task_id: randomUUID(), session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: new Date(now.getTime() - agoMs) }), status, ...extra };
    return store.repositories.tasks.create(task);
  }
  const eventsOf = (id: string) => events.events.filter((e) => e.task_id === id).map((e) => [e.event, e.data['reason']]);

  it('re-enqueues a task whose job is missing or finished, with task.requeued', async () => {
    const missing = await seed('queued', 2 * MINUTE);
    const finished = await seed('processing', 3 * MINUTE, { attempts: 1 });
    queue.put(finished.task_id, 'completed', 1);
    expect(await reconciler().runOnce()).toMatchObject({ requeued: 2, checked: 2 });
    expect(await queue.jobState(missing.task_id)).toBe('waiting');
    expect(await queue.jobState(finished.task_id)).toBe('waiting');
    expect(eventsOf(missing.task_id)).toEqual([['task.requeued', 'job_missing']]);
    expect(eventsOf(finished.task_id)).toEqual([['task.requeued', 'job_completed']]);
    expect(events.events[0]!.level).toBe('warn');
  });

  it("re-enqueues a task for its own tenant (tasks without one as 'default')", async () => {
    const tenanted = await seed('queued', 2 * MINUTE, { tenant_id: 'acme' });
    const older = await seed('queued', 2 * MINUTE);
    expect(await reconciler().runOnce()).toMatchObject({ requeued: 2 });
    expect(queue.jobs.get(tenanted.task_id)?.tenant).toBe('acme');
    expect(queue.jobs.get(older.task_id)?.tenant).toBe('default');
  });

  it('leaves alone live jobs and recent tasks, and a job a worker holds', async () => {
    const live = await seed('queued', 2 * MINUTE);
    await queue.enqueue(live.task_id, { tenant: 'default' });
    await seed('queued', 10_000);
    const held = await seed('processing', 2 * MINUTE, { attempts: 1 });
    queue.put(held.task_id, 'failed', 3);
    // The job was taken up between the state read and the remove.
    const remove = queue.remove.bind(queue);
    queue.remove = async (id) => (id === held.task_id ? 'locked' : remove(id));
    expect(await reconciler().runOnce()).toEqual({ checked: 2, requeued: 0, timed_out: 0, cancelled: 0 });
    expect(events.events).toEqual([]);
  });

  it('cancels a processing task with a cancel request and no live job', async () => {
    const wanted = await seed('processing', 2 * MINUTE, { attempts: 1, cancel_requested_at: now });
    expect(await reconciler().runOnce()).toMatchObject({ cancelled: 1, requeued: 0 });
    expect(store.tasks.get(wanted.task_id)?.status).toBe('cancelled');
    expect(eventsOf(wanted.task_id)).toEqual([['task.cancelled', 'no_live_job']]);
    expect(queue.enqueued).toEqual([]);
  });

  it('ends tasks past the deadline (TIMEOUT, or cancelled when requested) and drops their waiting job', async () => {
    const late = await seed('queued', 20 * MINUTE);
    await queue.enqueue(late.task_id, { tenant: 'default' });
    const wanted = await seed('processing', 20 * MINUTE, { attempts: 2, cancel_requested_at: now });
    expect(await reconciler().runOnce()).toMatchObject({ timed_out: 1, cancelled: 1, requeued: 0 });
    expect(store.tasks.get(late.task_id)).toMatchObject({ status: 'failed', error: { type: 'TIMEOUT' }, completed_at: now });
    expect(await queue.jobState(late.task_id)).toBe('missing');
    expect(events.events.find((e) => e.task_id === late.task_id)).toMatchObject({ event: 'task.failed', level: 'warn', data: { reason: 'deadline', previous_status: 'queued' } });
    expect(eventsOf(wanted.task_id)).toEqual([['task.cancelled', 'deadline']]);
  });

  it('walks a backlog larger than one batch across passes', async () => {
    for (let i = 0; i < 5; i++) await seed('queued', (10 - i) * MINUTE);
    const r = reconciler({ batchSize: 2 });
    const requeued = [];
    for (let pass = 0; pass < 3; pass++) requeued.push((await r.runOnce()).requeued);
    expect(requeued).toEqual([2, 2, 1]);
    expect((await queue.counts()).waiting).toBe(5);
  });
});
