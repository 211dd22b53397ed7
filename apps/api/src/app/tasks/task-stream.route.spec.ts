// Unit spec of GET /v1/tasks/:task_id/stream through the whole HTTP app, with in-memory fakes (the
// store and the stream bus); every response is held against the OpenAPI document. The live path
// across real processes is in apps/e2e (stream.e2e.spec.ts).
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { newTask, type Task, type TaskEventType } from '@agent-orchestrator/domain';
import { TaskStreamPublisher } from '@agent-orchestrator/tasks';
import { InMemoryStreamBus } from '@agent-orchestrator/tasks/testing';
import { fakeMessaging, InMemoryStore, recordingLogger, testConfig } from '../../testing/fakes';
import { createApp, endOpenStreams } from '../app';

interface Message {
  id: number;
  event: string;
  data: { event: string; task_id: string; agent_name: string | null; data: Record<string, unknown>; task?: Record<string, unknown> };
}

/** The messages of an SSE body (comments skipped). */
function parse(body: string): Message[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('id: '))
    .map((block) => {
      const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
      return { id: Number(field('id')), event: field('event'), data: JSON.parse(field('data')) as Message['data'] };
    });
}

function setup(env: Record<string, string> = {}) {
  const store = new InMemoryStore();
  const bus = new InMemoryStreamBus();
  const { logger } = recordingLogger();
  const config = testConfig({ API_RATE_LIMIT_PER_MINUTE: '0', STREAM_HEARTBEAT_MS: '100', ...env });
  const app = createApp({ config, logger, store, ...fakeMessaging(), environment: 'unit', streamBus: bus });
  const publisher = new TaskStreamPublisher({ store: store.repositories.taskStream, bus, logger, deltaIntervalMs: 10, deltaMaxChars: 1024 });
  const emit = (task: Task, event: TaskEventType, data: Record<string, unknown> = {}, agent_name: string | null = null) =>
    publisher.sink({ event, level: 'info', message: event, timestamp: new Date(), task_id: task.task_id, session_id: task.session_id, request_id: 'r', agent_name, service: 'worker', data });
  return { app, store, bus, publisher, emit };
}

function put(store: InMemoryStore, status: Task['status']): Task {
  const task = newTask({ task_id: randomUUID(), session_id: randomUUID(), task: 'Write a post', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'unit' }, now: new Date() });
  task.status = status;
  store.tasks.set(task.task_id, task);
  return task;
}

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GET /v1/tasks/:task_id/stream', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('sends a finished task its whole history as SSE, the last event carrying the task as GET /v1/tasks/{id} has it, then ends', async () => {
    const { app, store, publisher, emit } = setup();
    const task = put(store, 'processing');
    emit(task, 'task.accepted', { task_length: 12 });
    emit(task, 'task.picked_up', { attempt: 1 });
    publisher.delta(task.task_id, 'ContentAgent', 'Hello ');
    publisher.delta(task.task_id, 'ContentAgent', 'world');
    emit(task, 'agent.finished', { total_tokens: 10 }, 'ContentAgent');
    Object.assign(store.tasks.get(task.task_id)!, { status: 'completed', completed_at: new Date() });
    emit(task, 'task.completed', { total_tokens: 10 }, 'ContentAgent');
    await publisher.flush();

    const res = await request(app).get(`/v1/tasks/${task.task_id}/stream`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-accel-buffering']).toBe('no');
    const messages = parse(res.text);
    expect(messages.map((m) => [m.id, m.event])).toEqual([
      [1, 'task.accepted'],
      [2, 'task.picked_up'],
      [3, 'delta'],
      [4, 'agent.finished'],
      [5, 'task.completed'],
    ]);
    expect(messages[2]?.data).toMatchObject({ event: 'delta', task_id: task.task_id, agent_name: 'ContentAgent', data: { text: 'Hello world' } });
    expect(messages[4]?.data.task).toEqual((await request(app).get(`/v1/tasks/${task.task_id}`)).body);
    expect(messages.slice(0, 4).every((m) => m.data.task === undefined)).toBe(true);

    // Resume: the header wins over the query parameter.
    const resumed = await request(app).get(`/v1/tasks/${task.task_id}/stream?last_event_id=1`).set('Last-Event-ID', '3');
    expect(parse(resumed.text).map((m) => m.id)).toEqual([4, 5]);
    const byQuery = await request(app).get(`/v1/tasks/${task.task_id}/stream?last_event_id=4`);
    expect(parse(byQuery.text).map((m) => m.id)).toEqual([5]);
  });

  it('streams live events as they are published, with heartbeats, and frees the subscription when the client goes', async () => {
    const { app, store, bus, emit, publisher } = setup();
    const task = put(store, 'processing');
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server!.once('listening', r));
    const { port } = server.address() as AddressInfo;
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/v1/tasks/${task.task_id}/stream`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (check: () => boolean) => {
      while (!check()) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    };
    await until('the subscription', () => bus.subscribers === 1);
    emit(task, 'task.picked_up', { attempt: 1 });
    publisher.delta(task.task_id, 'ContentAgent', 'Once upon a time');
    await readUntil(() => parse(text).length === 2);
    expect(parse(text).map((m) => m.event)).toEqual(['task.picked_up', 'delta']);
    await readUntil(() => text.includes(': ping'));
    abort.abort();
    await until('the unsubscribe', () => bus.subscribers === 0);
  });

  it('ends open streams at shutdown (endOpenStreams), so their clients reconnect elsewhere', async () => {
    const { app, store, bus } = setup({ STREAM_HEARTBEAT_MS: '60000' });
    const task = put(store, 'processing');
    const pending = request(app).get(`/v1/tasks/${task.task_id}/stream`);
    const done = pending.then((r) => r);
    await until('the subscription', () => bus.subscribers === 1);
    await endOpenStreams(app);
    const res = await done;
    expect(res.status).toBe(200);
    expect(bus.subscribers).toBe(0);
  });

  it('answers errors before the stream in the JSON error shape: 404 unknown task, 400 bad ids or unknown parameters', async () => {
    const { app, store, bus } = setup();
    const missing = await request(app).get(`/v1/tasks/${randomUUID()}/stream`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { type: 'NOT_FOUND' }, api_version: 'v1' });
    expect((await request(app).get('/v1/tasks/not-a-uuid/stream')).status).toBe(400);
    const task = put(store, 'processing');
    const badId = await request(app).get(`/v1/tasks/${task.task_id}/stream`).set('Last-Event-ID', 'abc');
    expect(badId.status).toBe(400);
    expect(badId.body.error.details).toContainEqual({ field: 'Last-Event-ID', message: expect.any(String) });
    const unknown = await request(app).get(`/v1/tasks/${task.task_id}/stream?from=1`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toContainEqual({ field: 'from', message: 'unknown query parameter' });
    expect(bus.subscribers).toBe(0);
  });

  it('refuses one open stream more than STREAM_MAX_OPEN_PER_CLIENT with a 429 and Retry-After, and takes it once one closes', async () => {
    const { app, store, bus } = setup({ STREAM_MAX_OPEN_PER_CLIENT: '1', STREAM_HEARTBEAT_MS: '60000' });
    const task = put(store, 'processing');
    const first = request(app).get(`/v1/tasks/${task.task_id}/stream`).then((r) => r);
    await until('the first stream', () => bus.subscribers === 1);
    const second = await request(app).get(`/v1/tasks/${task.task_id}/stream`);
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBe('5');
    expect(second.body).toMatchObject({ error: { type: 'RATE_LIMITED', message: expect.stringContaining('open streams') } });
    await endOpenStreams(app);
    await first;
    const third = request(app).get(`/v1/tasks/${task.task_id}/stream`).then((r) => r);
    await until('the third stream', () => bus.subscribers === 1);
    await endOpenStreams(app);
    expect((await third).status).toBe(200);
  });
});
