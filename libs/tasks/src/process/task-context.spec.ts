import { randomUUID } from 'node:crypto';
import { newTask, type Task } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { PREVIOUS_TASKS, buildTaskContext } from './task-context';

describe('buildTaskContext', () => {
  const session = randomUUID();
  const at = (i: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, i));
  const make = (i: number): Task => newTask({ task_id: randomUUID(), session_id: session, task: `task ${i}`, metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: at(i) });

  it('gives the last PREVIOUS_TASKS tasks created before the task, oldest first, and the history before it', async () => {
    const store = new InMemoryStore();
    const tasks = Array.from({ length: 9 }, (_, i) => make(i));
    for (const t of tasks) await store.repositories.tasks.create(t);
    for (const t of tasks) await store.repositories.messages.append({ message_id: randomUUID(), session_id: session, task_id: t.task_id, role: 'user', content: t.task, agent_name: null, created_at: t.created_at });
    const deps = { ...store.repositories, historyLimit: 3 };

    const latest = await buildTaskContext(tasks[8]!, deps);
    expect(latest.previousTasks.map((t) => t.task)).toEqual(['task 3', 'task 4', 'task 5', 'task 6', 'task 7']);
    expect(latest.previousTasks).toHaveLength(PREVIOUS_TASKS);
    expect(latest.history.map((m) => m.content)).toEqual(['task 5', 'task 6', 'task 7']);

    // An old task (a retry) sees its own predecessors, not the newest tasks of the session.
    const old = await buildTaskContext(tasks[3]!, deps);
    expect(old.previousTasks.map((t) => t.task)).toEqual(['task 0', 'task 1', 'task 2']);
    expect(old.history.map((m) => m.content)).toEqual(['task 0', 'task 1', 'task 2']);
  });

  it('reads no history when historyLimit is 0', async () => {
    const store = new InMemoryStore();
    const task = make(1);
    await store.repositories.tasks.create(task);
    expect(await buildTaskContext(task, { ...store.repositories, historyLimit: 0 })).toEqual({ history: [], previousTasks: [] });
  });
});
