import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, newTask, type Task, type TaskStatus } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import { InMemoryTaskQueue, RecordingTaskEvents, recordingLogger } from '../testing';
import { RetryTask } from './retry-task.use-case';

const NOW = new Date('2030-01-02T03:04:05.678Z');

function setup(status: TaskStatus = 'failed', extra: Partial<Task> = {}) {
  const store = new InMemoryStore();
  const queue = new InMemoryTaskQueue();
  const events = new RecordingTaskEvents(() => NOW);
  const { logger, records } = recordingLogger();
  const lifecycle = new TaskLifecycle({ tasks: store.repositories.tasks, events, now: () => NOW });
  const task: Task = {
    ...newTask({ task_id: randomUUID(), session_id: 's-1', task: 'x', metadata: { ip: null, user_agent: null, request_id: 'r-1', environment: 'test' }, now: NOW }),
    status,
    attempts: 1,
    error: status === 'failed' ? { type: 'TIMEOUT', message: 'late' } : null,
    completed_at: status === 'failed' ? NOW : null,
    ...extra,
  };
  store.tasks.set(task.task_id, task);
  const retry = new RetryTask({ tasks: store.repositories.tasks, lifecycle, queue, requeueTimeoutMs: 100 });
  return { store, queue, events, logger, records, task, retry };
}

describe('RetryTask', () => {
  it('queues a task that failed for a transient cause again, enqueues it and emits task.retried once', async () => {
    const { task, retry, queue, events, logger } = setup();
    const done = await retry.execute(task.task_id, logger, 'default');
    expect(done).toMatchObject({ status: 'queued', retries: [expect.objectContaining({ error: { type: 'TIMEOUT', message: 'late' } })] });
    expect(queue.enqueued).toEqual([task.task_id]);
    expect(events.events).toEqual([
      expect.objectContaining({ event: 'task.retried', task_id: task.task_id, data: { previous_error_type: 'TIMEOUT', attempts: 1, retries: 1, enqueued: true } }),
    ]);
  });

  it("enqueues the retried task for its tenant, behind that tenant's backlog", async () => {
    const { task, retry, queue, logger } = setup('failed', { tenant_id: 'acme' });
    await queue.pause();
    await queue.enqueue(randomUUID(), { tenant: 'acme' });
    await retry.execute(task.task_id, logger, 'acme');
    expect(queue.jobs.get(task.task_id)?.tenant).toBe('acme');
    expect(queue.tenantBacklog()).toEqual([{ tenant: 'acme', waiting: 2 }]);
  });

  it('replaces a finished job kept under the task id, which would swallow the new one', async () => {
    const { task, retry, queue, logger } = setup();
    queue.put(task.task_id, 'failed', 3);
    await retry.execute(task.task_id, logger, 'default');
    expect(await queue.jobState(task.task_id)).toBe('waiting');
    expect(queue.enqueued).toEqual([task.task_id]);
  });

  it('leaves a waiting job alone: it runs the task anyway', async () => {
    const { task, retry, queue, logger } = setup();
    await queue.enqueue(task.task_id, { tenant: 'default' });
    await retry.execute(task.task_id, logger, 'default');
    expect(queue.enqueued).toEqual([task.task_id]);
    expect(await queue.jobState(task.task_id)).toBe('waiting');
  });

  it('queues the task even when the queue is down: the reconciler enqueues it', async () => {
    const { task, retry, queue, events, logger, records, store } = setup();
    queue.unavailable = true;
    await expect(retry.execute(task.task_id, logger, 'default')).resolves.toMatchObject({ status: 'queued' });
    expect(store.tasks.get(task.task_id)?.status).toBe('queued');
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', message: 'retried task not enqueued; it stays queued for the reconciler', task_id: task.task_id }));
    expect(events.events[0]?.data).toMatchObject({ enqueued: false });
  });

  it('gives up on a queue that does not answer in time', async () => {
    const { task, retry, queue, events, logger } = setup();
    jest.spyOn(queue, 'jobState').mockReturnValue(new Promise(() => undefined));
    await expect(retry.execute(task.task_id, logger, 'default')).resolves.toMatchObject({ status: 'queued' });
    expect(events.events[0]?.data).toMatchObject({ enqueued: false });
  });

  it('refuses a task that is not failed, or failed for a cause retrying would not fix', async () => {
    const running = setup('processing');
    await expect(running.retry.execute(running.task.task_id, running.logger, 'default')).rejects.toEqual(new ConflictError('Only failed tasks can be retried; this task is processing.'));
    const bad = setup('failed', { error: { type: 'VALIDATION_ERROR', message: 'no' } });
    await expect(bad.retry.execute(bad.task.task_id, bad.logger, 'default')).rejects.toMatchObject({ type: 'CONFLICT', message: expect.stringContaining('This task failed with VALIDATION_ERROR') });
    expect(bad.queue.enqueued).toEqual([]);
  });

  it('answers a conflict when another retry moved the task between the read and the update', async () => {
    const { task, retry, store, logger } = setup();
    jest.spyOn(store.repositories.tasks, 'requeueFailed').mockImplementationOnce(async () => {
      store.tasks.get(task.task_id)!.status = 'queued';
      return null;
    });
    await expect(retry.execute(task.task_id, logger, 'default')).rejects.toEqual(new ConflictError('Only failed tasks can be retried; this task is queued.'));
  });

  it('rejects an unknown task, and answers SERVICE_UNAVAILABLE when the database is down', async () => {
    const { retry, store, logger } = setup();
    const id = randomUUID();
    await expect(retry.execute(id, logger, 'default')).rejects.toEqual(new NotFoundError(`No task with id ${id}.`));
    store.down = true;
    await expect(retry.execute(id, logger, 'default')).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE', message: 'The task could not be retried because the database is unavailable. Try again shortly.' });
  });
});
