import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';
import { TaskEventLog } from '@agent-orchestrator/observability';
import { ApiError } from '../http/http-error';
import { FakeQueue, FakeStore, recordingLogger } from '../../testing/fakes';
import { AcceptTaskService, NOT_STORED_MESSAGE } from './accept-task.service';

const NOW = new Date('2030-01-02T03:04:05.678Z');
const ORIGIN = { ip: '203.0.113.7', user_agent: 'jest', request_id: 'req-1' };

function setup() {
  const store = new FakeStore();
  const queue = new FakeQueue();
  let n = 0;
  const { logger, records } = recordingLogger();
  const service = new AcceptTaskService({
    repositories: store.repositories,
    enqueue: async (taskId) => {
      await queue.add('process_task', { task_id: taskId }, { jobId: taskId });
    },
    now: () => NOW,
    environment: 'test',
    newId: () => `id-${++n}`,
    events: new TaskEventLog(logger, 'api', () => NOW),
  });
  return { store, queue, service, logger, records };
}

describe('AcceptTaskService', () => {
  it('stores the task, touches the session, stores the user message, then enqueues', async () => {
    const { store, queue, service, logger } = setup();
    const task = await service.accept({ task: 'Write a haiku', session_id: 'sess-1' }, ORIGIN, logger);

    expect(task).toMatchObject({ task_id: 'id-1', session_id: 'sess-1', task: 'Write a haiku', status: 'queued', queued_at: NOW, created_at: NOW });
    expect(store.calls).toEqual(['tasks.create', 'sessions.touch', 'messages.append']);
    expect(store.tasks.get('id-1')?.metadata).toEqual({ ...ORIGIN, environment: 'test' });
    expect(store.sessions.get('sess-1')).toEqual({ session_id: 'sess-1', created_at: NOW, updated_at: NOW, task_count: 1 });
    expect(store.messages).toEqual([
      { message_id: 'id-2', session_id: 'sess-1', task_id: 'id-1', role: 'user', content: 'Write a haiku', agent_name: null, created_at: NOW },
    ]);
    expect(queue.jobs).toEqual([{ name: 'process_task', data: { task_id: 'id-1' }, opts: { jobId: 'id-1' } }]);
  });

  it('generates a session id when none is given', async () => {
    const { store, service, logger } = setup();
    const task = await service.accept({ task: 'x' }, ORIGIN, logger);
    expect(task.session_id).toBe('id-2');
    expect(store.sessions.has('id-2')).toBe(true);
  });

  it('logs the accepted task with its ids', async () => {
    const { service, logger, records } = setup();
    await service.accept({ task: 'x', session_id: 's' }, ORIGIN, logger);
    expect(records).toContainEqual(expect.objectContaining({ level: 'info', message: 'task accepted', event: 'task.accepted', task_id: 'id-1', session_id: 's', request_id: 'req-1' }));
    expect(JSON.stringify(records)).not.toContain('"x"');
  });

  it('answers 503 and enqueues nothing when the database is down', async () => {
    const { store, queue, service, logger } = setup();
    store.down = true;
    const err = await service.accept({ task: 'x' }, ORIGIN, logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ type: ErrorType.SERVICE_UNAVAILABLE, message: NOT_STORED_MESSAGE });
    expect(queue.jobs).toEqual([]);
  });

  it('marks the task failed when the session or message cannot be stored', async () => {
    const { store, queue, service, logger } = setup();
    const touch = jest.spyOn(store.repositories.sessions, 'touch').mockRejectedValueOnce(new OrchestratorError(ErrorType.SERVICE_UNAVAILABLE, 'down'));
    const err = await service.accept({ task: 'x' }, ORIGIN, logger).catch((e: unknown) => e);
    expect(touch).toHaveBeenCalled();
    expect(err).toMatchObject({ type: ErrorType.SERVICE_UNAVAILABLE, message: NOT_STORED_MESSAGE });
    expect(store.tasks.get('id-1')).toMatchObject({ status: 'failed', error: { type: 'SERVICE_UNAVAILABLE' } });
    expect(queue.jobs).toEqual([]);
  });

  it('turns other store errors into INTERNAL_ERROR (a record we built was refused: a bug, not bad input)', async () => {
    const { store, service, logger } = setup();
    jest.spyOn(store.repositories.tasks, 'create').mockRejectedValueOnce(new OrchestratorError(ErrorType.VALIDATION_ERROR, 'Invalid tasks record'));
    await expect(service.accept({ task: 'x' }, ORIGIN, logger)).rejects.toMatchObject({ type: ErrorType.INTERNAL_ERROR });
  });

  it('accepts the task when the queue is down: it stays queued, with its message, for the reconciler', async () => {
    const { store, queue, service, logger, records } = setup();
    queue.down = true;
    const task = await service.accept({ task: 'x', session_id: 's' }, ORIGIN, logger);
    expect(task).toMatchObject({ task_id: 'id-1', status: 'queued' });
    expect(store.tasks.get('id-1')).toMatchObject({ status: 'queued', error: null, completed_at: null });
    expect(store.messages).toEqual([expect.objectContaining({ task_id: 'id-1', role: 'user', content: 'x' })]);
    expect(store.calls).not.toContain('tasks.fail');
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('not enqueued'), task_id: 'id-1' }));
    expect(records).toContainEqual(expect.objectContaining({ event: 'task.accepted', enqueued: false }));
  });

  it('accepts the task when the enqueue times out', async () => {
    const { store, logger } = setup();
    const slow = new AcceptTaskService({
      repositories: store.repositories,
      enqueue: () => Promise.reject(new OrchestratorError(ErrorType.SERVICE_UNAVAILABLE, 'Enqueueing the task timed out after 5 ms')),
      now: () => NOW,
      environment: 'test',
      newId: () => 'slow-1',
      events: new TaskEventLog(logger, 'api', () => NOW),
    });
    await expect(slow.accept({ task: 'x', session_id: 's' }, ORIGIN, logger)).resolves.toMatchObject({ task_id: 'slow-1', status: 'queued' });
    expect(store.tasks.get('slow-1')?.status).toBe('queued');
  });

  it('creates the task with the id it is given (an Idempotency-Key reserved it)', async () => {
    const { store, queue, service, logger } = setup();
    const task = await service.accept({ task: 'x', session_id: 's' }, ORIGIN, logger, { taskId: 'reserved-id' });
    expect(task.task_id).toBe('reserved-id');
    expect(store.tasks.has('reserved-id')).toBe(true);
    expect(queue.jobs).toEqual([{ name: 'process_task', data: { task_id: 'reserved-id' }, opts: { jobId: 'reserved-id' } }]);
  });
});
