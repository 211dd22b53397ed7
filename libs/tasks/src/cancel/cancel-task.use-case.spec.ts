import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, ValidationError, newTask, type Task, type TaskStatus } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import { InMemoryCancelChannel, InMemoryTaskQueue, RecordingTaskEvents, recordingLogger } from '../testing';
import { CancelTask } from './cancel-task.use-case';

const NOW = new Date('2030-01-02T03:04:05.678Z');

async function setup(status: TaskStatus, extra: Partial<Task> = {}) {
  const store = new InMemoryStore();
  const queue = new InMemoryTaskQueue();
  const cancels = new InMemoryCancelChannel();
  const events = new RecordingTaskEvents(() => NOW);
  const { logger, records } = recordingLogger();
  const lifecycle = new TaskLifecycle({ tasks: store.repositories.tasks, events, now: () => NOW });
  const task = { ...newTask({ task_id: randomUUID(), session_id: 's-1', task: 'x', metadata: { ip: null, user_agent: null, request_id: 'r-1', environment: 'test' }, now: NOW }), status, ...extra };
  store.tasks.set(task.task_id, task);
  await queue.enqueue(task.task_id, { tenant: 'default' });
  const cancel = new CancelTask({ tasks: store.repositories.tasks, lifecycle, queue, cancels, logger, bestEffortMs: 50 });
  return { store, queue, cancels, events, records, task, cancel };
}

describe('CancelTask', () => {
  it('cancels a queued task at once, emits task.cancelled and drops its job', async () => {
    const { task, cancel, events, queue, cancels } = await setup('queued');
    const done = await cancel.execute(task.task_id.toUpperCase(), 'default');
    expect(done.status).toBe('cancelled');
    expect(events.events).toEqual([expect.objectContaining({ event: 'task.cancelled', task_id: task.task_id, data: { previous_status: 'queued' } })]);
    expect(await queue.jobState(task.task_id)).toBe('missing');
    expect(cancels.published).toEqual([]);
  });

  it('marks a processing task for its worker and tells the workers, every time it is asked', async () => {
    const { task, cancel, events, cancels, records } = await setup('processing');
    const first = await cancel.execute(task.task_id, 'default');
    expect(first).toMatchObject({ status: 'processing', cancel_requested_at: NOW });
    await cancel.execute(task.task_id, 'default');
    expect(cancels.published).toEqual([task.task_id, task.task_id]);
    expect(events.events).toEqual([]);
    expect(records.filter((r) => r.message === 'task cancel requested')).toEqual([expect.objectContaining({ level: 'info', task_id: task.task_id, session_id: 's-1', request_id: 'r-1' })]);
  });

  it('answers the cancel even when the queue and the channel fail (workers poll too), and says so', async () => {
    const { task, cancel, cancels, records } = await setup('processing');
    jest.spyOn(cancels, 'publish').mockRejectedValue(new Error('Connection is closed.'));
    await expect(cancel.execute(task.task_id, 'default')).resolves.toMatchObject({ status: 'processing' });
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', message: 'could not tell the workers about a cancel; ignored', task_id: task.task_id }));
  });

  it('does not wait for a queue that never answers', async () => {
    const { task, cancel, queue } = await setup('queued');
    jest.spyOn(queue, 'remove').mockReturnValue(new Promise(() => undefined));
    await expect(cancel.execute(task.task_id, 'default')).resolves.toMatchObject({ status: 'cancelled' });
  });

  it.each(['completed', 'failed'] as const)('refuses a task that already %s (conflict)', async (status) => {
    const { task, cancel } = await setup(status);
    await expect(cancel.execute(task.task_id, 'default')).rejects.toEqual(new ConflictError(`The task already ${status}; only a queued or processing task can be cancelled.`));
  });

  it('rejects an id that is not a UUID v4, and one of no task', async () => {
    const { cancel } = await setup('queued');
    await expect(cancel.execute('nope', 'default')).rejects.toBeInstanceOf(ValidationError);
    const id = randomUUID();
    await expect(cancel.execute(id, 'default')).rejects.toEqual(new NotFoundError(`No task with id ${id}.`));
  });

  it('answers SERVICE_UNAVAILABLE with a message for clients when the database is down', async () => {
    const { task, cancel, store } = await setup('queued');
    store.down = true;
    await expect(cancel.execute(task.task_id, 'default')).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE', message: 'The task could not be cancelled because the database is unavailable. Try again shortly.' });
  });
});
