import { randomUUID } from 'node:crypto';
import { canMove, newTask, type Task, type TaskMove, type TaskStatus } from '@agent-orchestrator/domain';
import type { CancelRequest } from '@agent-orchestrator/persistence';
import { RecordingTaskEvents } from '../testing';
import { TaskLifecycle, type LifecycleTasks } from './task-lifecycle';

/** Status moves in memory, allowed by the domain's table, like the Mongo repository's conditional updates. */
function tasksInMemory(tasks: Map<string, Task>): LifecycleTasks {
  const move = (id: string, m: TaskMove, to: Partial<Task>): Task | null => {
    const t = tasks.get(id);
    if (!t || !canMove(t.status, m)) return null;
    const next = { ...t, ...to };
    tasks.set(id, next);
    return next;
  };
  return {
    findById: async (id) => tasks.get(id) ?? null,
    markProcessing: async (id, now) => {
      const t = tasks.get(id);
      return move(id, 'pick_up', { status: 'processing', started_at: now, attempts: (t?.attempts ?? 0) + 1 });
    },
    recordRouting: async (id, r) => move(id, 'route', { ...r }),
    complete: async (id, o, now) => move(id, 'complete', { status: 'completed', result: o.result, usage: o.usage, completed_at: now }),
    fail: async (id, o, now) => move(id, 'fail', { status: 'failed', error: o.error, completed_at: now }),
    markCancelled: async (id, _o, now) => move(id, 'cancel', { status: 'cancelled', completed_at: now }),
    requestCancel: async (id, now): Promise<CancelRequest | null> => {
      const t = tasks.get(id);
      if (!t) return null;
      if (t.status === 'queued') return { change: 'cancelled', task: move(id, 'cancel', { status: 'cancelled', completed_at: now })! };
      if (canMove(t.status, 'request_cancel') && !t.cancel_requested_at) return { change: 'requested', task: move(id, 'request_cancel', { cancel_requested_at: now })! };
      return { change: 'none', task: t };
    },
    requeueFailed: async (id, { retryableTypes }, now) => {
      const t = tasks.get(id);
      if (!t?.error || !retryableTypes.includes(t.error.type)) return null;
      return move(id, 'retry', { status: 'queued', error: null, queued_at: now });
    },
  };
}

function setup(status: TaskStatus = 'queued') {
  const now = new Date('2026-12-02T10:00:00Z');
  const task = { ...newTask({ task_id: randomUUID(), session_id: randomUUID(), task: 'write a haiku', metadata: { ip: null, user_agent: null, request_id: 'req-1', environment: 'test' }, now }), status };
  const store = new Map([[task.task_id, task]]);
  const events = new RecordingTaskEvents();
  const lifecycle = new TaskLifecycle({ tasks: tasksInMemory(store), events, now: () => now });
  return { task, store, events, lifecycle };
}

describe('TaskLifecycle', () => {
  it('emits the move event with the subject of the task when the move happens', async () => {
    const { task, events, lifecycle } = setup('queued');
    const moved = await lifecycle.pickUp(task.task_id, (t) => ({ attempt: t.attempts }));
    expect(moved?.status).toBe('processing');
    expect(events.events).toEqual([expect.objectContaining({ event: 'task.picked_up', task_id: task.task_id, session_id: task.session_id, request_id: 'req-1', data: { attempt: 1 } })]);
  });

  it('emits nothing when the table does not allow the move', async () => {
    const { task, events, lifecycle } = setup('completed');
    expect(await lifecycle.pickUp(task.task_id, {})).toBeNull();
    expect(await lifecycle.fail(task, { error: { type: 'TIMEOUT', message: 'late' } }, {})).toBeNull();
    expect(await lifecycle.cancel(task, {}, {})).toBeNull();
    expect(events.events).toEqual([]);
  });

  it('takes a task through processing to completed, one event per move', async () => {
    const { task, events, lifecycle } = setup('queued');
    const running = await lifecycle.pickUp(task.task_id, {});
    await lifecycle.route(running!, { selected_agent: 'CodeAgent', agent_type: 'code', agent_version: '1.0.0', peer_routing_reason: 'code', confidence: 0.9 }, { confidence: 0.9 }, { agent_name: 'CodeAgent' });
    const done = await lifecycle.complete(running!, { result: { summary: null, raw_output: 'x', code_language: null, citations: [] }, usage: running!.usage }, { attempt: 1 }, { agent_name: 'CodeAgent' });
    expect(done?.status).toBe('completed');
    expect(events.names()).toEqual(['task.picked_up', 'task.routed', 'task.completed']);
    expect(events.events[2]?.agent_name).toBe('CodeAgent');
  });

  it('a client cancel of a queued task cancels it and emits task.cancelled; of a running task it only marks it', async () => {
    const queued = setup('queued');
    expect((await queued.lifecycle.requestCancel(queued.task.task_id, { previous_status: 'queued' }))?.change).toBe('cancelled');
    expect(queued.events.names()).toEqual(['task.cancelled']);

    const running = setup('processing');
    expect((await running.lifecycle.requestCancel(running.task.task_id, {}))?.change).toBe('requested');
    expect(running.events.names()).toEqual([]);
    expect(await running.lifecycle.requestCancel(randomUUID(), {})).toBeNull();
  });

  it('retries only a failed task whose error type is retryable', async () => {
    const { task, store, events, lifecycle } = setup('failed');
    store.set(task.task_id, { ...task, error: { type: 'UNKNOWN_TASK_TYPE', message: 'no agent' } });
    expect(await lifecycle.retry(task.task_id, ['TIMEOUT'], {})).toBeNull();
    store.set(task.task_id, { ...task, error: { type: 'TIMEOUT', message: 'late' } });
    expect((await lifecycle.retry(task.task_id, ['TIMEOUT'], { retry: 1 }))?.status).toBe('queued');
    expect(events.names()).toEqual(['task.retried']);
  });

  it('reports accepted and requeued tasks without moving them', () => {
    const { task, store, events, lifecycle } = setup('queued');
    lifecycle.accepted(task, { enqueued: true });
    lifecycle.requeued(task, { reason: 'job_missing' }, { level: 'warn' });
    expect(events.names()).toEqual(['task.accepted', 'task.requeued']);
    expect(events.events[1]?.level).toBe('warn');
    expect(store.get(task.task_id)?.status).toBe('queued');
  });
});
