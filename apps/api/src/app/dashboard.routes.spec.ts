// Unit spec of the dashboard's read endpoints (GET /v1/tasks, /v1/system/metrics, /v1/agents)
// through the whole HTTP app, with in-memory fakes. dashboard.int.spec.ts runs them on MongoDB and Redis.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { newTask, type Task, type TaskStatus } from '@agent-orchestrator/domain';
import type { WorkerRecord } from '@agent-orchestrator/messaging';
import { latencyBucket, latencyBucketValue } from '@agent-orchestrator/persistence';
import { fakeMessaging, FakeWorkerDirectory, InMemoryStore, InMemoryTaskQueue, recordingLogger, testConfig } from '../testing/fakes';
import { createApp } from './app';

const NOW = new Date('2030-01-02T15:00:00.000Z');

function setup() {
  const store = new InMemoryStore();
  const queue = new InMemoryTaskQueue();
  const workers = new FakeWorkerDirectory();
  const { logger } = recordingLogger();
  const config = testConfig({ API_RATE_LIMIT_PER_MINUTE: '0' });
  const app = createApp({
    config,
    logger,
    store,
    ...fakeMessaging(queue),
    now: () => NOW,
    environment: 'unit',
    workerDirectory: workers,
    metricsTimeoutMs: 500,
  });
  return { app, store, queue, workers };
}

function put(store: InMemoryStore, created: string, overrides: Partial<Task> = {}): Task {
  const task = {
    ...newTask({
      task_id: randomUUID(),
      session_id: 'sess',
      task: 'Do something',
      metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'unit' },
      now: new Date(created),
    }),
    ...overrides,
  };
  store.tasks.set(task.task_id, task);
  return task;
}

function expectValidationError(body: { error: { type: string; details?: { field?: string }[] }; api_version: string }, field: string): void {
  expect(body.api_version).toBe('v1');
  expect(body.error.type).toBe('VALIDATION_ERROR');
  expect(body.error.details).toContainEqual({ field, message: expect.any(String) });
}

describe('GET /v1/tasks', () => {
  it('lists summaries newest first with the pagination fields', async () => {
    const { app, store } = setup();
    const old = put(store, '2030-01-01T00:00:00Z', { task: 'x'.repeat(300) });
    const recent = put(store, '2030-01-02T00:00:00Z', {
      status: 'completed',
      result: { summary: 'done', raw_output: 'big', code_language: null, citations: [] },
    });
    const res = await request(app).get('/v1/tasks').expect(200);
    expect(res.body).toEqual({
      data: [expect.any(Object), expect.any(Object)],
      next_cursor: null,
      has_more: false,
      limit: 20,
      links: { next: null },
      api_version: 'v1',
    });
    expect(res.body.data.map((t: { task_id: string }) => t.task_id)).toEqual([recent.task_id, old.task_id]);
    expect(res.body.data[0]).toMatchObject({ status: 'completed', result_summary: 'done', task_truncated: false });
    expect(res.body.data[0]).not.toHaveProperty('result');
    expect(res.body.data[0]).not.toHaveProperty('metadata');
    expect(res.body.data[1]).toMatchObject({ task_preview: 'x'.repeat(200), task_truncated: true });
    expect(res.headers['link']).toBeUndefined();
  });

  it('pages with next_cursor, links.next and a Link header until has_more is false', async () => {
    const { app, store } = setup();
    const seeded = ['queued', 'failed', 'queued', 'queued', 'failed', 'queued'].map((status, i) =>
      put(store, `2030-01-01T00:0${i}:00Z`, { status: status as TaskStatus }),
    );
    const expected = seeded
      .filter((t) => t.status === 'queued')
      .reverse()
      .map((t) => t.task_id);

    const seen: string[] = [];
    let next: string | null = '/v1/tasks?status=queued&limit=3';
    let pages = 0;
    while (next) {
      const res: request.Response = await request(app).get(next).expect(200);
      pages += 1;
      seen.push(...res.body.data.map((t: { task_id: string }) => t.task_id));
      expect(res.body.limit).toBe(3);
      if (res.body.has_more) {
        expect(res.body.links.next).toBe(`/v1/tasks?status=queued&limit=3&cursor=${res.body.next_cursor}`);
        expect(res.headers['link']).toBe(`<${res.body.links.next}>; rel="next"`);
      } else {
        expect(res.body.next_cursor).toBeNull();
      }
      next = res.body.links.next;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ['an unknown status', '/v1/tasks?status=done', 'status'],
    ['a repeated status', '/v1/tasks?status=queued&status=failed', 'status'],
    ['an operator in brackets', '/v1/tasks?status[$ne]=queued', 'status[$ne]'],
    ['an unknown parameter', '/v1/tasks?sort=asc', 'sort'],
    ['a malformed date', '/v1/tasks?created_from=2030-13-01', 'created_from'],
    ['a reversed range', '/v1/tasks?created_from=2030-01-02&created_to=2030-01-01', 'created_to'],
    ['limit 0', '/v1/tasks?limit=0', 'limit'],
    ['limit 101', '/v1/tasks?limit=101', 'limit'],
    ['a tampered cursor', '/v1/tasks?cursor=eyJ2IjoxfQ', 'cursor'],
    ['a bad session_id', '/v1/tasks?session_id=a%20b', 'session_id'],
  ])('answers 400 for %s, naming the parameter, without reading the store', async (_name, url, field) => {
    const { app, store } = setup();
    const res = await request(app).get(url).expect(400);
    expectValidationError(res.body, field);
    expect(store.calls).toEqual([]);
  });

  it('answers 503 when the database is down', async () => {
    const { app, store } = setup();
    store.down = true;
    const res = await request(app).get('/v1/tasks').expect(503);
    expect(res.body.error.type).toBe('SERVICE_UNAVAILABLE');
  });

  it('still routes /v1/tasks/{task_id} to the full task', async () => {
    const { app, store } = setup();
    const task = put(store, '2030-01-01T00:00:00Z');
    const res = await request(app).get(`/v1/tasks/${task.task_id}`).expect(200);
    expect(res.body).toHaveProperty('metadata');
  });
});

describe('GET /v1/system/metrics', () => {
  it('reports queue, today, latency, workers and health', async () => {
    const { app, store, queue, workers } = setup();
    jest.spyOn(queue, 'counts').mockResolvedValue({ waiting: 2, active: 1, delayed: 0, failed: 3, completed: 7, paused: 0 });
    put(store, '2030-01-01T23:00:00Z', { status: 'completed', queued_at: new Date('2030-01-01T23:59:59Z'), completed_at: new Date('2030-01-02T00:00:01Z') });
    put(store, '2030-01-02T10:00:00Z', { status: 'queued' });
    put(store, '2030-01-02T11:00:00Z', { status: 'failed', selected_agent: 'CodeAgent', agent_type: 'code', completed_at: new Date('2030-01-02T11:00:03Z') });
    const worker: WorkerRecord = { worker_id: 'h:1:aa', hostname: 'h', pid: 1, started_at: NOW.toISOString(), last_seen_at: NOW.toISOString(), agents: [] };
    workers.workers = [worker];
    // Put straight into the store, past TaskLifecycle's counting: the repair path rebuilds the day's counters.
    await store.repositories.taskCounters.rebuildDay(NOW);

    const res = await request(app).get('/v1/system/metrics').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      generated_at: NOW.toISOString(),
      today: { start: '2030-01-02T00:00:00.000Z', timezone: 'UTC' },
      queue: { waiting: 2, active: 1, delayed: 0, failed: 3, completed: 7, paused: 0 },
      tasks_today: { queued: 1, processing: 0, completed: 0, failed: 1, cancelled: 0, total: 2 },
      agent_distribution_today: [{ agent_name: 'CodeAgent', agent_type: 'code', count: 1 }],
      // p95: the nearest-rank latency (3000 ms) as the middle of its histogram bucket.
      latency_today_ms: { count: 2, avg: 2500, p95: latencyBucketValue(latencyBucket(3000)) },
      workers: { alive: 1, items: [worker] },
      usage_today: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, cost_usd: 0, by_agent: [], by_model: [] },
      health: { mongodb: 'ok', redis: 'ok', workers: 'ok' },
      api_version: 'v1',
    });
  });

  it('reads an unknown cost as null, in the task, its summary and the day (the document allows it), never as $0', async () => {
    const { app, store } = setup();
    const priced = { model: 'gpt-4o-mini', prompt_tokens: 300, completion_tokens: 40, total_tokens: 340, cost_usd: 0.000069 };
    const unpriced = { model: 'llama3.1:8b', prompt_tokens: 500, completion_tokens: 200, total_tokens: 700, cost_usd: null };
    const task = put(store, '2030-01-02T10:00:00Z', {
      status: 'completed',
      completed_at: new Date('2030-01-02T10:00:05Z'),
      usage: { prompt_tokens: 800, completion_tokens: 240, total_tokens: 1040, cost_usd: null, by_model: [priced, unpriced] },
    });
    const run = (agent_name: string, kind: 'router' | 'agent', usage: typeof priced | typeof unpriced) => ({
      run_id: randomUUID(),
      task_id: task.task_id,
      session_id: 'sess',
      kind,
      agent_name,
      agent_version: '0.1.0',
      model: usage.model,
      attempt: 1,
      input: 'x',
      output: 'y',
      outcome: 'success' as const,
      error: null,
      usage: [usage],
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.total_tokens,
      cost_usd: usage.cost_usd,
      started_at: new Date('2030-01-02T10:00:01Z'),
      finished_at: new Date('2030-01-02T10:00:04Z'),
      duration_ms: 3000,
    });
    await store.repositories.agentRuns.record(run('PeerAgent', 'router', priced));
    await store.repositories.agentRuns.record(run('CodeAgent', 'agent', unpriced));
    await store.repositories.taskCounters.rebuildDay(NOW);

    const full = await request(app).get(`/v1/tasks/${task.task_id}`).expect(200);
    expect(full.body.usage).toEqual({ prompt_tokens: 800, completion_tokens: 240, total_tokens: 1040, cost_usd: null, by_model: [priced, unpriced] });
    const list = await request(app).get('/v1/tasks').expect(200);
    expect(list.body.data.find((t: { task_id: string }) => t.task_id === task.task_id).usage).toEqual({ total_tokens: 1040, cost_usd: null });
    const metrics = await request(app).get('/v1/system/metrics').expect(200);
    expect(metrics.body.usage_today).toEqual({
      prompt_tokens: 800,
      completion_tokens: 240,
      total_tokens: 1040,
      cost_usd: null,
      by_agent: [
        { agent_name: 'CodeAgent', prompt_tokens: 500, completion_tokens: 200, total_tokens: 700, cost_usd: null },
        { agent_name: 'PeerAgent', prompt_tokens: 300, completion_tokens: 40, total_tokens: 340, cost_usd: 0.000069 },
      ],
      by_model: [
        { model: 'llama3.1:8b', prompt_tokens: 500, completion_tokens: 200, total_tokens: 700, cost_usd: null },
        { model: 'gpt-4o-mini', prompt_tokens: 300, completion_tokens: 40, total_tokens: 340, cost_usd: 0.000069 },
      ],
    });
  });

  it('is still 200 when MongoDB and Redis are down, with those parts null', async () => {
    const { app, store, queue, workers } = setup();
    store.down = true;
    queue.unavailable = true;
    workers.down = true;
    const res = await request(app).get('/v1/system/metrics').expect(200);
    expect(res.body).toMatchObject({
      queue: null,
      tasks_today: null,
      agent_distribution_today: null,
      latency_today_ms: null,
      workers: null,
      health: { mongodb: 'down', redis: 'down', workers: 'unknown' },
      api_version: 'v1',
    });
  });

  it('answers 400 for a query parameter, which it would otherwise ignore', async () => {
    const { app } = setup();
    const res = await request(app).get('/v1/system/metrics?tz=Europe/Paris').expect(400);
    expectValidationError(res.body, 'tz');
  });
});

describe('GET /v1/agents', () => {
  it('lists the agents of the live workers, deduplicated', async () => {
    const { app, workers } = setup();
    const agent = { name: 'CodeAgent', version: '1.0.0', agent_type: 'code', description: 'Writes code.' };
    workers.workers = ['a', 'b'].map((id) => ({
      worker_id: id,
      hostname: 'h',
      pid: 1,
      started_at: NOW.toISOString(),
      last_seen_at: NOW.toISOString(),
      agents: [agent],
    }));
    const res = await request(app).get('/v1/agents').expect(200);
    expect(res.body).toEqual({ data: [{ ...agent, workers: 2 }], api_version: 'v1' });
  });

  it('is empty without live workers: the API does not guess', async () => {
    const { app } = setup();
    expect((await request(app).get('/v1/agents').expect(200)).body).toEqual({ data: [], api_version: 'v1' });
  });

  it('answers 400 for a query parameter', async () => {
    const { app } = setup();
    expectValidationError((await request(app).get('/v1/agents?name=CodeAgent').expect(400)).body, 'name');
  });

  it('answers 503 when the registry cannot be read', async () => {
    const { app, workers } = setup();
    workers.down = true;
    const res = await request(app).get('/v1/agents').expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body.error).toMatchObject({ type: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('agent list') });
  });
});
