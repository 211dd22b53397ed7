import { randomUUID } from 'node:crypto';
import { DatabaseUnavailableError, type StreamAppend, type TaskStreamRepository } from '@agent-orchestrator/persistence';
import type { StreamEvent, TaskEventType } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { InMemoryStreamBus, lifecycleEvent, recordingLogger } from '../testing';
import { TaskStreamPublisher, type TaskStreamPublisherOptions } from './stream-publisher';

const lifecycle = lifecycleEvent;

const WORKER_EVENTS: TaskEventType[] = ['task.picked_up', 'task.routed', 'agent.started', 'agent.finished', 'task.completed'];

/**
 * The store, with its `appendMany` calls kept (the size of each batch) and a hook that may fail
 * chosen events of a batch (the others are stored), as MongoDB's unordered insert does.
 */
function setup(fail: (append: StreamAppend) => unknown = () => undefined) {
  const store = new InMemoryStore();
  const bus = new InMemoryStreamBus();
  const { logger, records } = recordingLogger();
  const repo = store.repositories.taskStream;
  const batches: number[] = [];
  const taskStream: TaskStreamPublisherOptions['store'] = {
    append: (draft, lastSeq) => repo.append(draft, lastSeq),
    lastSeq: (id) => repo.lastSeq(id),
    has: (id, seq) => repo.has(id, seq),
    appendMany: async (appends) => {
      batches.push(appends.length);
      const failed = appends.map(fail);
      const stored = await repo.appendMany(appends.filter((_, i) => failed[i] === undefined));
      let next = 0;
      return appends.map((_, i) => (failed[i] === undefined ? (stored[next++] as Awaited<ReturnType<TaskStreamRepository['appendMany']>>[number]) : { error: failed[i] }));
    },
  };
  const publisher = (options: Partial<TaskStreamPublisherOptions> = {}) =>
    new TaskStreamPublisher({ store: taskStream, bus, logger, deltaIntervalMs: 30, deltaMaxChars: 1024, retryDelaysMs: [1, 1], batchWindowMs: 5, ...options });
  const stored = async (taskId: string) => (await repo.listAfter(taskId, 0)).map((e) => [e.seq, e.event]);
  return { store, bus, records, batches, publisher, stored };
}

const numbered = (events: readonly string[]) => events.map((e, i) => [i + 1, e]);

describe('TaskStreamPublisher with a write window (STREAM_WRITE_WINDOW_MS)', () => {
  it("writes the events of many tasks in few inserts and pipelines, each task's numbered 1, 2, 3... in the order it gave them", async () => {
    const { bus, batches, publisher, stored } = setup();
    const api = publisher();
    const worker = publisher({ awaitFirst: { event: 'task.accepted', waitMs: 2000 } });
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const id of ids) api.sink(lifecycle(id, 'task.accepted'));
    await api.flush();
    // One turn of the event loop per event, as a worker running 20 tasks at once gives them.
    await Promise.all(
      ids.map(async (id) => {
        for (const name of WORKER_EVENTS) {
          worker.sink(lifecycle(id, name, {}, name === 'task.picked_up' ? null : 'CodeAgent'));
          await new Promise((r) => setImmediate(r));
        }
      }),
    );
    await worker.flush();
    for (const id of ids) expect(await stored(id)).toEqual(numbered(['task.accepted', ...WORKER_EVENTS]));
    // 120 events: a batch holds one event per task, so at least 6; far fewer than one insert each.
    expect(batches.reduce((a, b) => a + b, 0)).toBe(120);
    expect(batches.length).toBeLessThanOrEqual(24);
    expect(bus.batches).toEqual(batches);
    // Announced once stored, each task's in its order.
    for (const id of ids) expect(bus.published.filter((e) => e.task_id === id).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('waits up to the window for more events, and writes one event at a time without it (0 = off)', async () => {
    const { store, batches, publisher, stored } = setup();
    const windowed = publisher({ batchWindowMs: 80 });
    const [a, b] = [randomUUID(), randomUUID()];
    windowed.sink(lifecycle(a, 'task.accepted'));
    await new Promise((r) => setTimeout(r, 20));
    windowed.sink(lifecycle(b, 'task.accepted'));
    expect(await stored(a)).toEqual([]);
    while ((await stored(b)).length === 0) await new Promise((r) => setTimeout(r, 5));
    // Both in one insert: the first waited for the second.
    expect(batches).toEqual([2]);
    expect(await stored(a)).toEqual(numbered(['task.accepted']));

    const off = publisher({ batchWindowMs: 0 });
    const c = randomUUID();
    off.sink(lifecycle(c, 'task.accepted'));
    off.sink(lifecycle(c, 'task.picked_up'));
    await off.flush();
    expect(await stored(c)).toEqual(numbered(['task.accepted', 'task.picked_up']));
    expect(batches).toEqual([2]);
    expect(store.calls.filter((call) => call === 'taskStream.append')).toHaveLength(2);
  });

  it("retries on its own an event the batch's insert refused, keeping its task's order; the batch's other events are stored at once", async () => {
    const unlucky = randomUUID();
    let refusals = 0;
    const { records, batches, publisher, stored } = setup((append) => {
      if (append.draft.task_id !== unlucky || refusals >= 2) return undefined;
      refusals += 1;
      return new DatabaseUnavailableError('db:1', 100, 'a blip');
    });
    const worker = publisher();
    const lucky = randomUUID();
    for (const id of [lucky, unlucky]) {
      worker.sink(lifecycle(id, 'task.accepted'));
      worker.sink(lifecycle(id, 'task.picked_up'));
    }
    await worker.flush();
    expect(refusals).toBe(2);
    expect(batches[0]).toBe(2);
    expect(await stored(unlucky)).toEqual(numbered(['task.accepted', 'task.picked_up']));
    expect(await stored(lucky)).toEqual(numbered(['task.accepted', 'task.picked_up']));
    expect(worker.lost).toBe(0);
    expect(records).toEqual([]);
  });

  it('gives up an event the store keeps refusing (a warning, counted lost) and goes on with the next ones', async () => {
    const doomed = randomUUID();
    const { records, publisher, stored } = setup((append) => (append.draft.task_id === doomed && append.draft.event === 'task.routed' ? new Error('refused') : undefined));
    const worker = publisher();
    const fine = randomUUID();
    for (const id of [fine, doomed]) for (const name of ['task.accepted', 'task.routed', 'task.completed'] as const) worker.sink(lifecycle(id, name));
    await worker.flush();
    expect(worker.lost).toBe(1);
    expect(records).toEqual([expect.objectContaining({ level: 'warn', message: 'stream event could not be stored; it is missing from the task stream', task_id: doomed, event: 'task.routed', error_message: 'refused' })]);
    expect(await stored(doomed)).toEqual(numbered(['task.accepted', 'task.completed']));
    expect(await stored(fine)).toEqual(numbered(['task.accepted', 'task.routed', 'task.completed']));
  });

  it('fails every event of a batch when the store is down, and writes them once it is back (the retries)', async () => {
    const { store, publisher, stored } = setup();
    const worker = publisher({ retryDelaysMs: [30, 30, 30] });
    const ids = [randomUUID(), randomUUID()];
    store.down = true;
    for (const id of ids) worker.sink(lifecycle(id, 'task.accepted'));
    setTimeout(() => (store.down = false), 40);
    await worker.flush();
    for (const id of ids) expect(await stored(id)).toEqual(numbered(['task.accepted']));
    expect(worker.lost).toBe(0);
  });

  it('logs an event stored but not announced (the pipeline failed for it) and goes on', async () => {
    const { bus, records, publisher, stored } = setup();
    const publishMany = bus.publishMany.bind(bus);
    bus.publishMany = async (events: readonly StreamEvent[]) => {
      const results = await publishMany(events);
      return results.map((r, i) => (events[i]?.event === 'task.routed' ? new Error('pipeline cut') : r));
    };
    const worker = publisher();
    const id = randomUUID();
    for (const name of ['task.accepted', 'task.routed', 'task.completed'] as const) worker.sink(lifecycle(id, name));
    await worker.flush();
    expect(await stored(id)).toEqual(numbered(['task.accepted', 'task.routed', 'task.completed']));
    expect(records).toEqual([expect.objectContaining({ level: 'warn', message: 'stream event stored but not announced; streams catch up from the store', task_id: id, seq: 2, error_message: 'pipeline cut' })]);
  });

  it('flush() and close() write everything handed over without waiting for the window; after close() nothing is taken', async () => {
    const { publisher, stored } = setup();
    const worker = publisher({ batchWindowMs: 60_000 });
    const id = randomUUID();
    for (const name of ['task.accepted', 'task.picked_up', 'task.routed', 'agent.started'] as const) worker.sink(lifecycle(id, name));
    worker.delta(id, 'CodeAgent', 'def f(): pass');
    for (const name of ['agent.finished', 'task.completed'] as const) worker.sink(lifecycle(id, name, {}, 'CodeAgent'));
    await worker.flush();
    expect(await stored(id)).toEqual(numbered(['task.accepted', 'task.picked_up', 'task.routed', 'agent.started', 'delta', 'agent.finished', 'task.completed']));

    const closing = publisher({ batchWindowMs: 60_000 });
    const other = randomUUID();
    closing.sink(lifecycle(other, 'task.accepted'));
    closing.delta(other, 'CodeAgent', 'text');
    await closing.close(5000);
    closing.sink(lifecycle(other, 'task.completed'));
    await closing.flush();
    expect(await stored(other)).toEqual(numbered(['task.accepted', 'delta']));
  });

  it("keeps task.accepted first when the worker's first event comes before the api's (awaitFirst), both windowed", async () => {
    const { publisher, stored } = setup();
    const api = publisher({ batchWindowMs: 20 });
    const worker = publisher({ batchWindowMs: 20, awaitFirst: { event: 'task.accepted', waitMs: 2000 } });
    const id = randomUUID();
    worker.sink(lifecycle(id, 'task.picked_up'));
    await new Promise((r) => setTimeout(r, 50));
    api.sink(lifecycle(id, 'task.accepted'));
    await Promise.all([api.flush(), worker.flush()]);
    expect(await stored(id)).toEqual(numbered(['task.accepted', 'task.picked_up']));
  });
});
