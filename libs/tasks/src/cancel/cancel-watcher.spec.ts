import { randomUUID } from 'node:crypto';
import { newTask } from '@agent-orchestrator/domain';
import { InMemoryCancelChannel, recordingLogger } from '../testing';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { CancelWatcher } from './cancel-watcher';

describe('CancelWatcher', () => {
  const { logger, records } = recordingLogger();

  async function running() {
    const store = new InMemoryStore();
    const task = newTask({ task_id: randomUUID(), session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: new Date() });
    await store.repositories.tasks.create(task);
    await store.repositories.tasks.markProcessing(task.task_id, new Date());
    return { store, task };
  }

  it('fires the watchers of a task published on the cancel listener, and only those', async () => {
    const { store, task } = await running();
    const channel = new InMemoryCancelChannel();
    const watcher = new CancelWatcher({ tasks: store.repositories.tasks, pollIntervalMs: 60_000, logger });
    await watcher.listen(channel);
    const fired: string[] = [];
    const unwatch = watcher.watch(task.task_id, () => fired.push('a'));
    watcher.watch(randomUUID(), () => fired.push('other'));
    await channel.publish(task.task_id);
    expect(fired).toEqual(['a']);
    unwatch();
    await channel.publish(task.task_id);
    expect(fired).toEqual(['a']);
    await watcher.stop();
    await channel.publish(task.task_id);
    expect(fired).toEqual(['a']);
  });

  it('polls the watched tasks: a cancel request whose message was lost still fires', async () => {
    const { store, task } = await running();
    const watcher = new CancelWatcher({ tasks: store.repositories.tasks, pollIntervalMs: 10, logger });
    let fired!: () => void;
    const cancelled = new Promise<void>((resolve) => (fired = resolve));
    watcher.watch(task.task_id, fired);
    await store.repositories.tasks.requestCancel(task.task_id, new Date());
    await cancelled;
    await watcher.stop();
  });

  it('checks every watched task in one read, and fires only those with a cancel request (or already cancelled)', async () => {
    const store = new InMemoryStore();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const task = newTask({ task_id: randomUUID(), session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: new Date() });
      await store.repositories.tasks.create(task);
      await store.repositories.tasks.markProcessing(task.task_id, new Date());
      ids.push(task.task_id);
    }
    await store.repositories.tasks.requestCancel(ids[1]!, new Date());
    await store.repositories.tasks.markCancelled(ids[3]!, {}, new Date());
    const reads: string[][] = [];
    const tasks = { cancelStates: (batch: readonly string[]) => (reads.push([...batch]), store.repositories.tasks.cancelStates(batch)) };
    const watcher = new CancelWatcher({ tasks, pollIntervalMs: 60_000, logger });
    const fired: string[] = [];
    for (const id of [...ids, randomUUID()]) watcher.watch(id, () => fired.push(id));
    await watcher.poll();
    expect(reads).toHaveLength(1);
    expect(reads[0]).toHaveLength(6);
    expect(fired.sort()).toEqual([ids[1], ids[3]].sort());
    await watcher.stop();
    // Nothing watched: no read at all.
    await new CancelWatcher({ tasks, pollIntervalMs: 60_000, logger }).poll();
    expect(reads).toHaveLength(1);
  });

  it('logs a failed read and tries again on the next poll', async () => {
    const watcher = new CancelWatcher({ tasks: { cancelStates: () => Promise.reject(new Error('db down')) }, pollIntervalMs: 60_000, logger });
    const taskId = randomUUID();
    watcher.watch(taskId, () => undefined);
    await watcher.poll();
    expect(records.find((r) => r.message === 'could not check the task for a cancel request; trying again on the next poll')).toMatchObject({ level: 'warn', task_id: taskId, error_message: 'db down' });
    await watcher.stop();
  });
});
