import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError, newTask, type Task } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { GetTask } from './get-task.query';
import { ListTasks } from './list-tasks.query';
import { decodeCursor } from './task-list-cursor';
import { GetTaskEvents } from './task-events.query';

function put(store: InMemoryStore, minute: number): Task {
  const task = newTask({ task_id: randomUUID(), session_id: 's', task: `t${minute}`, metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: new Date(Date.UTC(2030, 0, 1, 0, minute)) });
  store.tasks.set(task.task_id, task);
  return task;
}

describe('GetTask', () => {
  it('finds a task by its id in any case', async () => {
    const store = new InMemoryStore();
    const task = put(store, 1);
    await expect(new GetTask({ tasks: store.repositories.tasks }).execute(task.task_id.toUpperCase(), 'default')).resolves.toMatchObject({ task_id: task.task_id });
  });

  it('rejects a malformed id before reading, and names a missing one as the client sent it', async () => {
    const store = new InMemoryStore();
    const get = new GetTask({ tasks: store.repositories.tasks });
    await expect(get.execute('../etc', 'default')).rejects.toBeInstanceOf(ValidationError);
    expect(store.calls).toEqual([]);
    const id = randomUUID().toUpperCase();
    await expect(get.execute(id, 'default')).rejects.toEqual(new NotFoundError(`No task with id ${id}.`));
  });

  it('answers SERVICE_UNAVAILABLE with a message for clients when the database is down', async () => {
    const store = new InMemoryStore();
    store.down = true;
    await expect(new GetTask({ tasks: store.repositories.tasks }).execute(randomUUID(), 'default')).rejects.toMatchObject({
      type: 'SERVICE_UNAVAILABLE',
      message: 'The task could not be read because the database is unavailable. Try again shortly.',
    });
  });
});

describe('ListTasks', () => {
  it('pages newest first with a cursor that starts the next page after the last item', async () => {
    const store = new InMemoryStore();
    const tasks = [1, 2, 3].map((m) => put(store, m));
    const list = new ListTasks({ tasks: store.repositories.tasks });
    const first = await list.execute({ limit: 2 }, 'default');
    expect(first.items.map((t) => t.task_id)).toEqual([tasks[2]!.task_id, tasks[1]!.task_id]);
    expect(first.has_more).toBe(true);
    const after = decodeCursor(first.next_cursor!);
    expect(after).toEqual({ created_at: tasks[1]!.created_at, task_id: tasks[1]!.task_id });
    const second = await list.execute({ limit: 2, after: after! }, 'default');
    expect(second).toEqual({ items: [expect.objectContaining({ task_id: tasks[0]!.task_id })], has_more: false, next_cursor: null });
  });

  it('answers SERVICE_UNAVAILABLE when the database is down', async () => {
    const store = new InMemoryStore();
    store.down = true;
    await expect(new ListTasks({ tasks: store.repositories.tasks }).execute({ limit: 5 }, 'default')).rejects.toMatchObject({
      type: 'SERVICE_UNAVAILABLE',
      message: 'The tasks could not be listed because the database is unavailable. Try again shortly.',
    });
  });
});

describe('GetTaskEvents', () => {
  it("returns the task's events oldest first, and not found for a task that does not exist", async () => {
    const store = new InMemoryStore();
    const task = put(store, 1);
    const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 1, s));
    const base = { level: 'info' as const, message: 'm', task_id: task.task_id, session_id: 's', request_id: null, agent_name: null, service: 'api', data: {} };
    store.taskEvents.push({ ...base, event: 'task.picked_up', timestamp: at(2) }, { ...base, event: 'task.accepted', timestamp: at(1) });
    const query = new GetTaskEvents({ tasks: store.repositories.tasks, taskEvents: store.repositories.taskEvents });
    const timeline = await query.execute(task.task_id.toUpperCase(), 'default');
    expect(timeline.task_id).toBe(task.task_id);
    expect(timeline.events.map((e) => e.event)).toEqual(['task.accepted', 'task.picked_up']);
    const id = randomUUID();
    await expect(query.execute(id, 'default')).rejects.toEqual(new NotFoundError(`No task with id ${id}.`));
  });
});

describe('tenants', () => {
  it("answers another tenant's task exactly like an unknown id, for get and events alike", async () => {
    const store = new InMemoryStore();
    const task = put(store, 1);
    store.tasks.set(task.task_id, { ...store.tasks.get(task.task_id)!, tenant_id: 'acme' });
    const get = new GetTask({ tasks: store.repositories.tasks });
    await expect(get.execute(task.task_id, 'acme')).resolves.toMatchObject({ task_id: task.task_id, tenant_id: 'acme' });
    const unknown = randomUUID();
    const foreign = await get.execute(task.task_id, 'globex').catch((e: unknown) => e);
    const missing = await get.execute(unknown, 'globex').catch((e: unknown) => e);
    expect(foreign).toEqual(new NotFoundError(`No task with id ${task.task_id}.`));
    expect(missing).toEqual(new NotFoundError(`No task with id ${unknown}.`));
    const events = new GetTaskEvents({ tasks: store.repositories.tasks, taskEvents: store.repositories.taskEvents });
    await expect(events.execute(task.task_id, 'globex')).rejects.toEqual(new NotFoundError(`No task with id ${task.task_id}.`));
  });

  it("lists only the caller's tenant's tasks, whatever cursor it sends", async () => {
    const store = new InMemoryStore();
    const [a1, b1, a2] = [1, 2, 3].map((m) => put(store, m));
    store.tasks.set(b1!.task_id, { ...store.tasks.get(b1!.task_id)!, tenant_id: 'globex' });
    const list = new ListTasks({ tasks: store.repositories.tasks });
    const mine = await list.execute({ limit: 1 }, 'default');
    expect(mine.items.map((t) => t.task_id)).toEqual([a2!.task_id]);
    // The default tenant's cursor, replayed by globex: only globex's tasks after that position.
    const replay = await list.execute({ limit: 10, after: decodeCursor(mine.next_cursor!)! }, 'globex');
    expect(replay.items.map((t) => t.task_id)).toEqual([b1!.task_id]);
    const rest = await list.execute({ limit: 10, after: decodeCursor(mine.next_cursor!)! }, 'default');
    expect(rest.items.map((t) => t.task_id)).toEqual([a1!.task_id]);
  });
});
