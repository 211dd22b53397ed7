import { ErrorType, OrchestratorError, ServiceUnavailableError } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import { InMemoryTaskQueue, RecordingTaskEvents, recordingLogger } from '../testing';
import { AcceptTask, NOT_STORED_MESSAGE } from './accept-task.use-case';

const NOW = new Date('2030-01-02T03:04:05.678Z');
const ORIGIN = { ip: '203.0.113.7', user_agent: 'jest', request_id: 'req-1' };

function setup(queue = new InMemoryTaskQueue(), unpricedModels: string[] = []) {
  const store = new InMemoryStore();
  let n = 0;
  const { logger, records } = recordingLogger();
  const events = new RecordingTaskEvents(() => NOW);
  const lifecycle = new TaskLifecycle({ tasks: store.repositories.tasks, events, now: () => NOW });
  const service = new AcceptTask({ repositories: store.repositories, queue, lifecycle, now: () => NOW, environment: 'test', newId: () => `id-${++n}`, unpricedModels });
  return { store, queue, service, logger, records, events };
}

describe('AcceptTask', () => {
  it('refuses a max_cost_usd budget while a configured model has no price, naming it, and stores nothing', async () => {
    const { store, queue, service, logger } = setup(new InMemoryTaskQueue(), ['llama3.1:8b']);
    const err = await service.execute({ task: 'x', max_cost_usd: 0.5 }, ORIGIN, logger).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: ErrorType.VALIDATION_ERROR, message: expect.stringContaining('llama3.1:8b'), details: [{ field: 'max_cost_usd', message: 'no price for llama3.1:8b' }] });
    expect(store.calls).toEqual([]);
    expect(queue.enqueued).toEqual([]);
    // A token budget alone is still accepted.
    await expect(service.execute({ task: 'x', max_tokens: 1000 }, ORIGIN, logger)).resolves.toMatchObject({ budget: { max_tokens: 1000, max_cost_usd: null } });
  });

  it('touches the session, stores the user message, then the task (the commit point), then enqueues', async () => {
    const { store, queue, service, logger } = setup();
    const task = await service.execute({ task: 'Write a haiku', session_id: 'sess-1' }, ORIGIN, logger);

    expect(task).toMatchObject({ task_id: 'id-1', session_id: 'sess-1', task: 'Write a haiku', status: 'queued', queued_at: NOW, created_at: NOW });
    expect(store.calls).toEqual(['sessions.touch', 'messages.append', 'tasks.create']);
    expect(store.tasks.get('id-1')?.metadata).toEqual({ ...ORIGIN, environment: 'test' });
    expect(store.sessions.get('sess-1')).toEqual({ session_id: 'sess-1', created_at: NOW, updated_at: NOW, task_count: 1 });
    expect(store.messages).toEqual([
      { message_id: 'id-2', session_id: 'sess-1', task_id: 'id-1', role: 'user', content: 'Write a haiku', agent_name: null, created_at: NOW },
    ]);
    expect(queue.enqueued).toEqual(['id-1']);
  });

  it("stores the request's tenant on the task and enqueues for it; without one the task is the default tenant's", async () => {
    const { store, queue, service, logger } = setup();
    const mine = await service.execute({ task: 'x' }, ORIGIN, logger, { tenantId: 'acme' });
    const theirs = await service.execute({ task: 'y' }, ORIGIN, logger);
    expect(mine.tenant_id).toBe('acme');
    expect(store.tasks.get(mine.task_id)?.tenant_id).toBe('acme');
    expect(theirs.tenant_id).toBe('default');
    expect(queue.jobs.get(mine.task_id)?.tenant).toBe('acme');
    expect(queue.jobs.get(theirs.task_id)?.tenant).toBe('default');
  });

  it('generates a session id when none is given, and starts that session (an insert) rather than touching it', async () => {
    const { store, service, logger } = setup();
    const task = await service.execute({ task: 'x' }, ORIGIN, logger);
    expect(task.session_id).toBe('id-2');
    expect(store.sessions.has('id-2')).toBe(true);
    expect(store.calls).toEqual(['sessions.start', 'messages.append', 'tasks.create']);
  });

  it('emits task.accepted with its figures, through the lifecycle, and never the task text', async () => {
    const { service, logger, records, events } = setup();
    await service.execute({ task: 'x', session_id: 's' }, ORIGIN, logger);
    expect(events.events).toEqual([
      expect.objectContaining({ event: 'task.accepted', task_id: 'id-1', session_id: 's', request_id: 'req-1', data: { api_key_id: null, task_length: 1, enqueued: true } }),
    ]);
    expect(JSON.stringify(records)).not.toContain('"x"');
  });

  it('answers SERVICE_UNAVAILABLE and enqueues nothing when the database is down', async () => {
    const { store, queue, service, logger } = setup();
    store.down = true;
    const err = await service.execute({ task: 'x' }, ORIGIN, logger).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    expect(err).toMatchObject({ type: ErrorType.SERVICE_UNAVAILABLE, message: NOT_STORED_MESSAGE });
    expect(queue.enqueued).toEqual([]);
  });

  it.each(['sessions.touch', 'sessions.start', 'messages.append'] as const)('stores no task at all when %s fails: a 503 means "not accepted"', async (call) => {
    const { store, queue, service, logger, events } = setup();
    const [repo, method] = call.split('.') as ['sessions' | 'messages', 'touch' | 'start' | 'append'];
    const spy = jest.spyOn(store.repositories[repo] as unknown as Record<string, () => Promise<void>>, method).mockRejectedValueOnce(new OrchestratorError(ErrorType.SERVICE_UNAVAILABLE, 'down'));
    // A named session is touched; a new one (no session_id) is started.
    const input = call === 'sessions.touch' ? { task: 'x', session_id: 's' } : { task: 'x' };
    const err = await service.execute(input, ORIGIN, logger).catch((e: unknown) => e);
    expect(spy).toHaveBeenCalled();
    expect(err).toMatchObject({ type: ErrorType.SERVICE_UNAVAILABLE, message: NOT_STORED_MESSAGE });
    expect(store.tasks.size).toBe(0);
    expect(store.calls).not.toContain('tasks.create');
    expect(queue.enqueued).toEqual([]);
    expect(events.events).toEqual([]);
  });

  it('leaves nothing for the reconciler when the database goes away after the message (the case that once needed marking the task failed, which could fail too)', async () => {
    const { store, queue, service, logger } = setup();
    // The database answers the session and message writes, then is gone: the task insert and any
    // clean-up would both fail. The old order (task first) left a queued task without a job here.
    const append = store.repositories.messages.append;
    jest.spyOn(store.repositories.messages, 'append').mockImplementationOnce(async (m) => {
      await append(m);
      store.down = true;
    });
    const err = await service.execute({ task: 'x', session_id: 's' }, ORIGIN, logger).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: ErrorType.SERVICE_UNAVAILABLE, message: NOT_STORED_MESSAGE });
    store.down = false;
    expect(store.tasks.size).toBe(0);
    expect(await store.repositories.tasks.list({ tenant_id: 'default', limit: 10, status: 'queued' })).toMatchObject({ items: [] });
    expect(queue.enqueued).toEqual([]);
    expect(store.calls.filter((c) => c === 'tasks.fail')).toEqual([]);
  });

  it('turns other store errors into INTERNAL_ERROR (a record we built was refused: a bug, not bad input)', async () => {
    const { store, service, logger } = setup();
    jest.spyOn(store.repositories.tasks, 'create').mockRejectedValueOnce(new OrchestratorError(ErrorType.VALIDATION_ERROR, 'Invalid tasks record'));
    await expect(service.execute({ task: 'x' }, ORIGIN, logger)).rejects.toMatchObject({ type: ErrorType.INTERNAL_ERROR });
  });

  it('accepts the task when the queue is down: it stays queued, with its message, for the reconciler', async () => {
    const { store, queue, service, logger, records, events } = setup();
    queue.unavailable = true;
    const task = await service.execute({ task: 'x', session_id: 's' }, ORIGIN, logger);
    expect(task).toMatchObject({ task_id: 'id-1', status: 'queued' });
    expect(store.tasks.get('id-1')).toMatchObject({ status: 'queued', error: null, completed_at: null });
    expect(store.messages).toEqual([expect.objectContaining({ task_id: 'id-1', role: 'user', content: 'x' })]);
    expect(store.calls).not.toContain('tasks.fail');
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('not enqueued'), task_id: 'id-1' }));
    expect(events.events).toContainEqual(expect.objectContaining({ event: 'task.accepted', data: expect.objectContaining({ enqueued: false }) }));
  });

  it('accepts the task when the enqueue times out', async () => {
    const queue = new InMemoryTaskQueue();
    jest.spyOn(queue, 'enqueue').mockRejectedValue(new OrchestratorError(ErrorType.SERVICE_UNAVAILABLE, 'Enqueueing the task timed out after 5 ms'));
    const { store, service, logger } = setup(queue);
    await expect(service.execute({ task: 'x', session_id: 's' }, ORIGIN, logger)).resolves.toMatchObject({ task_id: 'id-1', status: 'queued' });
    expect(store.tasks.get('id-1')?.status).toBe('queued');
  });

  it('creates the task with the id it is given (an Idempotency-Key reserved it)', async () => {
    const { store, queue, service, logger } = setup();
    const task = await service.execute({ task: 'x', session_id: 's' }, ORIGIN, logger, { taskId: 'reserved-id' });
    expect(task.task_id).toBe('reserved-id');
    expect(store.tasks.has('reserved-id')).toBe(true);
    expect(queue.enqueued).toEqual(['reserved-id']);
  });
});
