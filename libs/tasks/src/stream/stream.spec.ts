import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError, newTask, type StreamEvent, type Task } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { InMemoryStreamBus, lifecycleEvent, recordingLogger } from '../testing';
import { parseLastEventId } from './last-event-id';
import { OpenStreamLimit } from './open-streams';
import { TaskStreamPublisher } from './stream-publisher';
import { StreamTask, type StreamSink } from './stream-task.use-case';

function putTask(store: InMemoryStore, status: Task['status'] = 'queued', completedAgoMs = 0): Task {
  const now = new Date();
  const task = newTask({ tenant_id: 'default', task_id: randomUUID(), session_id: 's', task: 'Write a post', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now });
  task.status = status;
  if (status === 'completed' || status === 'failed' || status === 'cancelled') task.completed_at = new Date(now.getTime() - completedAgoMs);
  store.tasks.set(task.task_id, task);
  return task;
}

const lifecycle = lifecycleEvent;

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A sink that keeps what a client would see. */
function client(): StreamSink & { events: Array<{ event: StreamEvent; task: Task | null }>; pings: number; ended: boolean } {
  const seen = {
    events: [] as Array<{ event: StreamEvent; task: Task | null }>,
    pings: 0,
    ended: false,
    event(event: StreamEvent, task: Task | null) {
      seen.events.push({ event, task });
    },
    heartbeat() {
      seen.pings += 1;
    },
    end() {
      seen.ended = true;
    },
  };
  return seen;
}

function setup(options: { heartbeatMs?: number; deltaIntervalMs?: number; deltaMaxChars?: number } = {}) {
  const store = new InMemoryStore();
  const bus = new InMemoryStreamBus();
  const { logger, records } = recordingLogger();
  const publisher = (deltaIntervalMs = options.deltaIntervalMs ?? 30) =>
    new TaskStreamPublisher({ store: store.repositories.taskStream, bus, logger, deltaIntervalMs, deltaMaxChars: options.deltaMaxChars ?? 1024, retryDelaysMs: [1, 1] });
  const streams = new StreamTask({ tasks: store.repositories.tasks, stream: store.repositories.taskStream, bus, logger, heartbeatMs: options.heartbeatMs ?? 40, endedGraceMs: 50 });
  return { store, bus, records, publisher, streams };
}

describe('TaskStreamPublisher', () => {
  it('numbers the events of two processes (the api, a worker) 1, 2, 3... in the order each wrote them, and announces each once stored', async () => {
    const { store, bus, publisher } = setup();
    const api = publisher();
    const worker = publisher();
    const task = putTask(store);
    api.sink(lifecycle(task.task_id, 'task.accepted'));
    await api.flush();
    worker.sink(lifecycle(task.task_id, 'task.picked_up', { attempt: 1 }));
    worker.sink(lifecycle(task.task_id, 'task.routed', { confidence: 0.9 }, 'ContentAgent'));
    worker.sink(lifecycle(task.task_id, 'agent.started', {}, 'ContentAgent'));
    await worker.flush();
    const stored = await store.repositories.taskStream.listAfter(task.task_id, 0);
    expect(stored.map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.picked_up'],
      [3, 'task.routed'],
      [4, 'agent.started'],
    ]);
    expect(stored[2]).toMatchObject({ agent_name: 'ContentAgent', data: { confidence: 0.9 } });
    expect(bus.published.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it("keeps task.accepted first when the worker is quicker than the api's write (awaitFirst), and waits a bounded time only", async () => {
    const { store, bus } = setup();
    const { logger, records } = recordingLogger();
    const make = (awaitFirst?: { event: 'task.accepted'; waitMs: number }) =>
      new TaskStreamPublisher({ store: store.repositories.taskStream, bus, logger, deltaIntervalMs: 30, deltaMaxChars: 1024, ...(awaitFirst ? { awaitFirst } : {}) });
    const worker = make({ event: 'task.accepted', waitMs: 2000 });
    const api = make();
    const task = putTask(store);
    worker.sink(lifecycle(task.task_id, 'task.picked_up'));
    await new Promise((r) => setTimeout(r, 60));
    expect(store.streamEvents.get(task.task_id) ?? []).toEqual([]);
    api.sink(lifecycle(task.task_id, 'task.accepted'));
    await Promise.all([api.flush(), worker.flush()]);
    expect((await store.repositories.taskStream.listAfter(task.task_id, 0)).map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.picked_up'],
    ]);
    // Never written by the api: the worker goes on after its wait.
    const lonely = putTask(store);
    const quick = make({ event: 'task.accepted', waitMs: 50 });
    quick.sink(lifecycle(lonely.task_id, 'task.picked_up'));
    await quick.flush();
    expect((await store.repositories.taskStream.listAfter(lonely.task_id, 0)).map((e) => e.event)).toEqual(['task.picked_up']);
    expect(records).toEqual([]);
  });

  it("writes task.accepted as number 1 without reading the task's last number, and still numbers it after events that came first", async () => {
    const { store, bus } = setup();
    const { logger } = recordingLogger();
    const reads: string[] = [];
    const taskStream = store.repositories.taskStream;
    const counted = { ...taskStream, append: taskStream.append.bind(taskStream), listAfter: taskStream.listAfter.bind(taskStream), deleteOlderThan: taskStream.deleteOlderThan.bind(taskStream), lastSeq: async (id: string) => (reads.push(id), taskStream.lastSeq(id)) };
    const api = new TaskStreamPublisher({ store: counted, bus, logger, deltaIntervalMs: 30, deltaMaxChars: 1024 });
    const fresh = putTask(store);
    api.sink(lifecycle(fresh.task_id, 'task.accepted'));
    await api.flush();
    expect(reads).toEqual([]);
    expect((await taskStream.listAfter(fresh.task_id, 0)).map((e) => [e.seq, e.event])).toEqual([[1, 'task.accepted']]);
    // Number 1 taken meanwhile (a worker that gave up waiting): the append reads the last number and goes on.
    const late = putTask(store);
    await taskStream.append(lifecycle(late.task_id, 'task.picked_up'));
    api.sink(lifecycle(late.task_id, 'task.accepted'));
    await api.flush();
    expect((await taskStream.listAfter(late.task_id, 0)).map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.picked_up'],
      [2, 'task.accepted'],
    ]);
  });

  it("holds at most maxIdleTasks idle tasks' state (the api writes task.accepted and never the ending), and numbers an evicted task's next event from the store", async () => {
    const { store, bus } = setup();
    const { logger } = recordingLogger();
    const api = new TaskStreamPublisher({ store: store.repositories.taskStream, bus, logger, deltaIntervalMs: 30, deltaMaxChars: 1024, maxIdleTasks: 3 });
    const tasks = Array.from({ length: 10 }, () => putTask(store));
    for (const task of tasks) api.sink(lifecycle(task.task_id, 'task.accepted'));
    await api.flush();
    expect(api.trackedTasks).toBe(3);
    // A terminal event drops its task's state at once, idle bound or not.
    api.sink(lifecycle(tasks[9].task_id, 'task.cancelled'));
    await api.flush();
    expect(api.trackedTasks).toBe(2);
    // The first task's state was evicted long ago: its next event reads the last number and goes on from it.
    api.sink(lifecycle(tasks[0].task_id, 'task.cancelled'));
    await api.flush();
    expect((await store.repositories.taskStream.listAfter(tasks[0].task_id, 0)).map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.cancelled'],
    ]);
    expect(api.lost).toBe(0);
  });

  it("goes on after a task's earlier events when a worker picks it up again (its guess of number 1 is taken)", async () => {
    const { store, bus } = setup();
    const { logger } = recordingLogger();
    const task = putTask(store);
    for (const name of ['task.accepted', 'task.picked_up', 'task.failed', 'task.retried'] as const) await store.repositories.taskStream.append(lifecycle(task.task_id, name));
    const worker = new TaskStreamPublisher({ store: store.repositories.taskStream, bus, logger, deltaIntervalMs: 30, deltaMaxChars: 1024, awaitFirst: { event: 'task.accepted', waitMs: 2000 } });
    worker.sink(lifecycle(task.task_id, 'task.picked_up', { attempt: 2 }));
    await worker.flush();
    expect((await store.repositories.taskStream.listAfter(task.task_id, 0)).map((e) => [e.seq, e.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.picked_up'],
      [3, 'task.failed'],
      [4, 'task.retried'],
      [5, 'task.picked_up'],
    ]);
  });

  it('coalesces the agent text into few delta events, joined in order, written before the next lifecycle event', async () => {
    const { store, publisher } = setup({ deltaIntervalMs: 10_000, deltaMaxChars: 100 });
    const worker = publisher(10_000);
    const task = putTask(store);
    const words = Array.from({ length: 120 }, (_, i) => `w${i} `);
    for (const w of words) worker.delta(task.task_id, 'ContentAgent', w);
    worker.sink(lifecycle(task.task_id, 'agent.finished', { total_tokens: 10 }, 'ContentAgent'));
    await worker.flush();
    const stored = await store.repositories.taskStream.listAfter(task.task_id, 0);
    const deltas = stored.filter((e) => e.event === 'delta');
    // 120 chunks of ~4 characters, at most 100 characters a delta: a handful of events, not 120.
    expect(deltas.length).toBeGreaterThanOrEqual(4);
    expect(deltas.length).toBeLessThanOrEqual(6);
    expect(deltas.map((e) => e.data['text']).join('')).toBe(words.join(''));
    expect(stored.at(-1)?.event).toBe('agent.finished');
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
  });

  it('writes a pending delta after the interval even when nothing else comes', async () => {
    const { store, publisher } = setup();
    const worker = publisher(20);
    const task = putTask(store);
    worker.delta(task.task_id, 'ContentAgent', 'Hello ');
    worker.delta(task.task_id, 'ContentAgent', 'world');
    await until('the delta', () => (store.streamEvents.get(task.task_id)?.length ?? 0) === 1);
    expect(store.streamEvents.get(task.task_id)?.[0]).toMatchObject({ seq: 1, event: 'delta', agent_name: 'ContentAgent', data: { text: 'Hello world' } });
  });

  it('retries a failed write, then gives up with a warning and counts the event lost (never throws to the task)', async () => {
    const { store, records, publisher } = setup();
    const worker = publisher();
    const task = putTask(store);
    store.down = true;
    expect(() => worker.sink(lifecycle(task.task_id, 'task.picked_up'))).not.toThrow();
    await worker.flush();
    expect(worker.lost).toBe(1);
    expect(records.some((r) => r.message.includes('could not be stored'))).toBe(true);
    store.down = false;
    worker.sink(lifecycle(task.task_id, 'task.routed'));
    await worker.flush();
    expect((await store.repositories.taskStream.listAfter(task.task_id, 0)).map((e) => [e.seq, e.event])).toEqual([[1, 'task.routed']]);
  });
});

describe('StreamTask', () => {
  it('sends the history, then the live events, each once, and ends after the terminal event with the task', async () => {
    const { store, publisher, streams, bus } = setup();
    const worker = publisher();
    const task = putTask(store);
    worker.sink(lifecycle(task.task_id, 'task.accepted'));
    worker.sink(lifecycle(task.task_id, 'task.picked_up'));
    await worker.flush();
    const session = await streams.open({ tenant_id: 'default', task_id: task.task_id });
    const seen = client();
    session.start(seen);
    await until('the history', () => seen.events.length === 2);
    worker.delta(task.task_id, 'ContentAgent', 'Once upon');
    worker.sink(lifecycle(task.task_id, 'agent.finished', {}, 'ContentAgent'));
    store.tasks.get(task.task_id)!.status = 'completed';
    worker.sink(lifecycle(task.task_id, 'task.completed', { total_tokens: 5 }, 'ContentAgent'));
    await worker.flush();
    await until('the end', () => seen.ended);
    expect(seen.events.map((e) => [e.event.seq, e.event.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.picked_up'],
      [3, 'delta'],
      [4, 'agent.finished'],
      [5, 'task.completed'],
    ]);
    expect(seen.events[4]?.task).toMatchObject({ tenant_id: 'default', task_id: task.task_id, status: 'completed' });
    expect(seen.events.slice(0, 4).every((e) => e.task === null)).toBe(true);
    // The client's disconnect (or the end) frees the subscription and the session.
    expect(bus.subscribers).toBe(0);
    expect(streams.open_sessions).toBe(0);
  });

  it('resumes after Last-Event-ID (the header winning over the query parameter) with no event lost or repeated', async () => {
    const { store, publisher, streams } = setup();
    const worker = publisher();
    const task = putTask(store, 'completed');
    for (const e of ['task.accepted', 'task.picked_up', 'task.routed', 'agent.started', 'agent.finished', 'task.completed'] as const) worker.sink(lifecycle(task.task_id, e));
    await worker.flush();
    const session = await streams.open({ tenant_id: 'default', task_id: task.task_id, last_event_id_header: '3', last_event_id_query: '1' });
    const seen = client();
    session.start(seen);
    await until('the end', () => seen.ended);
    expect(seen.events.map((e) => e.event.seq)).toEqual([4, 5, 6]);
    // A client that connects after the end gets the whole history, then the end.
    const again = client();
    (await streams.open({ tenant_id: 'default', task_id: task.task_id.toUpperCase(), last_event_id_query: '' })).start(again);
    await until('the end', () => again.ended);
    expect(again.events.map((e) => e.event.event)).toEqual(['task.accepted', 'task.picked_up', 'task.routed', 'agent.started', 'agent.finished', 'task.completed']);
  });

  it('catches up from the store when an announcement is lost: at a gap at once, and on the heartbeat otherwise', async () => {
    const { store, publisher, streams, bus } = setup({ heartbeatMs: 60 });
    const worker = publisher();
    const task = putTask(store);
    const seen = client();
    (await streams.open({ tenant_id: 'default', task_id: task.task_id })).start(seen);
    bus.drop = 1;
    worker.sink(lifecycle(task.task_id, 'task.accepted'));
    worker.sink(lifecycle(task.task_id, 'task.picked_up'));
    await worker.flush();
    // #1 was lost, #2 arrived: the gap is read from the store.
    await until('both events', () => seen.events.length === 2);
    bus.drop = 1;
    worker.sink(lifecycle(task.task_id, 'task.routed'));
    await worker.flush();
    // Nothing announced #3: it comes with the next heartbeat's read.
    await until('the heartbeat read', () => seen.events.length === 3);
    expect(seen.pings).toBeGreaterThanOrEqual(1);
    expect(seen.events.map((e) => e.event.seq)).toEqual([1, 2, 3]);
  });

  it('goes on after a terminal event that later events follow (a failed task retried)', async () => {
    const { store, publisher, streams } = setup();
    const worker = publisher();
    const task = putTask(store, 'completed');
    for (const e of ['task.accepted', 'task.failed', 'task.retried', 'task.picked_up', 'task.completed'] as const) worker.sink(lifecycle(task.task_id, e));
    await worker.flush();
    const seen = client();
    (await streams.open({ tenant_id: 'default', task_id: task.task_id })).start(seen);
    await until('the end', () => seen.ended);
    expect(seen.events.map((e) => e.event.event)).toEqual(['task.accepted', 'task.failed', 'task.retried', 'task.picked_up', 'task.completed']);
  });

  it('ends the stream of a task finished long ago whose terminal event is not stored', async () => {
    const { store, streams } = setup();
    const task = putTask(store, 'completed', 10_000);
    const seen = client();
    (await streams.open({ tenant_id: 'default', task_id: task.task_id })).start(seen);
    await until('the end', () => seen.ended);
    expect(seen.events).toEqual([]);
  });

  it('close() stops everything at once: no more events, pings or subscriptions', async () => {
    const { store, publisher, streams, bus } = setup({ heartbeatMs: 20 });
    const task = putTask(store);
    const seen = client();
    const session = await streams.open({ tenant_id: 'default', task_id: task.task_id });
    session.start(seen);
    expect(bus.subscribers).toBe(1);
    await session.close();
    expect(bus.subscribers).toBe(0);
    const worker = publisher();
    worker.sink(lifecycle(task.task_id, 'task.accepted'));
    await worker.flush();
    const pings = seen.pings;
    await new Promise((r) => setTimeout(r, 60));
    expect(seen.events).toEqual([]);
    expect(seen.pings).toBe(pings);
  });

  it('refuses a malformed task id or event id, and an unknown task, before subscribing', async () => {
    const { streams, bus } = setup();
    await expect(streams.open({ tenant_id: 'default', task_id: 'nope' })).rejects.toBeInstanceOf(ValidationError);
    await expect(streams.open({ tenant_id: 'default', task_id: randomUUID(), last_event_id_header: '-1' })).rejects.toBeInstanceOf(ValidationError);
    await expect(streams.open({ tenant_id: 'default', task_id: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
    expect(bus.subscribers).toBe(0);
  });
});

describe('parseLastEventId', () => {
  it('takes the header first, then the query parameter, else 0', () => {
    expect(parseLastEventId('7', '3')).toBe(7);
    expect(parseLastEventId(undefined, '3')).toBe(3);
    expect(parseLastEventId('', undefined)).toBe(0);
  });

  it('refuses what is not a decimal integer, naming where it came from', () => {
    expect(() => parseLastEventId('1e3', undefined)).toThrow(/Last-Event-ID/);
    expect(() => parseLastEventId(undefined, ['1', '2'])).toThrow(/last_event_id/);
    expect(() => parseLastEventId(undefined, '1234567890123456')).toThrow(ValidationError);
    expect(parseLastEventId('123456789012345', undefined)).toBe(123456789012345);
  });

  it('refuses a malformed query parameter even when a valid header decides (schemathesis: the document says both must match)', () => {
    expect(() => parseLastEventId('7', 'abc')).toThrow(/last_event_id/);
    expect(() => parseLastEventId('x', '7')).toThrow(/Last-Event-ID/);
    expect(parseLastEventId('7', '')).toBe(7);
  });
});

describe('OpenStreamLimit', () => {
  it('refuses one stream more than the limit per client with RATE_LIMITED, and frees a slot once (release is idempotent)', () => {
    const limit = new OpenStreamLimit(2);
    const a = limit.acquire('key:a');
    limit.acquire('key:a');
    expect(() => limit.acquire('key:a')).toThrow(expect.objectContaining({ type: 'RATE_LIMITED' }));
    expect(() => limit.acquire('ip:1.2.3.4')).not.toThrow();
    a();
    a();
    expect(limit.size).toBe(2);
    expect(() => limit.acquire('key:a')).not.toThrow();
    expect(() => limit.acquire('key:a')).toThrow();
  });
});
