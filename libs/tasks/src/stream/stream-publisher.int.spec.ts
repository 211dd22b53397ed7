// needs: a MongoDB-compatible server (MONGO_URI), started by the Jest global setup (FerretDB by default).
// The stream publishers with their write window on the real task_stream_events collection: many tasks'
// events in shared inserts, numbers taken by another writer meanwhile (the duplicate path), every
// task's stream 1, 2, 3... with each writer's events in its order. (The Redis bus is the in-memory one
// here; libs/messaging's integration spec runs the Redis pipeline.)
import { randomUUID } from 'node:crypto';
import type { TaskEventType } from '@agent-orchestrator/domain';
import { useTestDatabase } from '@agent-orchestrator/persistence/testing';
import { InMemoryStreamBus, lifecycleEvent, recordingLogger } from '../testing';
import { TaskStreamPublisher } from './stream-publisher';

const lifecycle = lifecycleEvent;

describe('TaskStreamPublisher with a write window on a real MongoDB-compatible server', () => {
  const db = useTestDatabase('ao_tasks_stream');

  it('numbers every task 1..n without gaps when batches of many tasks race with another writer for the same numbers', async () => {
    const repo = db.store.repositories.taskStream;
    const bus = new InMemoryStreamBus();
    const { logger, records } = recordingLogger();
    const options = { store: repo, bus, logger, deltaIntervalMs: 50, deltaMaxChars: 1024, batchWindowMs: 5 };
    const api = new TaskStreamPublisher(options);
    const worker = new TaskStreamPublisher({ ...options, awaitFirst: { event: 'task.accepted', waitMs: 2000 } });
    const ids = Array.from({ length: 12 }, () => randomUUID());
    for (const id of ids) api.sink(lifecycle(id, 'task.accepted'));
    await api.flush();
    const steps: TaskEventType[] = ['task.picked_up', 'task.routed', 'agent.started', 'agent.finished', 'task.completed'];
    await Promise.all([
      ...ids.map(async (id) => {
        for (const name of steps) {
          worker.sink(lifecycle(id, name, { by: 'worker' }));
          await new Promise((r) => setImmediate(r));
        }
      }),
      // Another process appends to half of the tasks at the same time, one event after another, always
      // guessing number 1: its inserts and the worker's batches collide on numbers.
      ...ids.slice(0, 6).map(async (id) => {
        for (let i = 0; i < 3; i++) await repo.append({ ...lifecycle(id, 'task.requeued', { by: 'other', i }) }, 1);
      }),
    ]);
    await worker.flush();
    expect(records).toEqual([]);
    expect(api.lost + worker.lost).toBe(0);
    for (const [n, id] of ids.entries()) {
      const stored = await repo.listAfter(id, 0);
      expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
      expect(stored[0]?.event).toBe('task.accepted');
      expect(stored.filter((e) => e.data['by'] === 'worker').map((e) => e.event)).toEqual(steps);
      expect(stored.filter((e) => e.data['by'] === 'other').map((e) => e.data['i'])).toEqual(n < 6 ? [0, 1, 2] : []);
    }
    // Announced once stored: each task's numbers, in order, once.
    for (const id of ids) {
      const mine = (await repo.listAfter(id, 0)).filter((e) => e.data['by'] !== 'other').map((e) => e.seq);
      expect(bus.published.filter((e) => e.task_id === id).map((e) => e.seq)).toEqual(mine);
    }
    // Far fewer round trips than events.
    expect(bus.batches.length).toBeLessThan(ids.length * (steps.length + 1));
  });
});
