// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup.
// task.retried on a real Bull queue (the adapter's onFailed), metrics snapshots with several writers
// (one of them claims the interval and aggregates), the retention purge,
// and the LOG_TO_MONGO sink writing (and surviving the loss of) a real database.
import { randomInt, randomUUID } from 'node:crypto';
import { newTask, type TaskEvent } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { BullTaskQueue, RedisClaims } from '@agent-orchestrator/messaging';
import { BufferedEventSink, REDACTED, TaskEventLog, createLogger } from '@agent-orchestrator/observability';
import { intervalStart, onDeliveryFailed, purgeExpired, takeMetricsSnapshot, type SnapshotDeps } from '@agent-orchestrator/tasks';
import { testRedisUrl, uniquePrefix } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const logger = createLogger({ service: 'test', level: 'error', silent: true });
const mongoUri = process.env['MONGO_URI']!;
const dbName = testDatabaseName('ao_worker_obs');
let store: MongoStore;

beforeAll(async () => {
  store = await connectMongo({ uri: mongoUri, dbName });
  await store.ensureIndexes();
  // As the worker at boot (the purges walk these TTL indexes), with a lifetime no fixture reaches.
  await store.ensureRetention({ logsDays: 3650, snapshotsDays: 3650 });
});
afterAll(async () => {
  await store.close();
  await dropTestDatabase(dbName);
});

async function storedTask(requestId = 'req-obs') {
  const task = newTask({
    task_id: randomUUID(),
    session_id: randomUUID(),
    task: 'x',
    metadata: { ip: null, user_agent: null, request_id: requestId, environment: 'test' },
    now: new Date(),
  });
  await store.repositories.tasks.create(task);
  return task;
}

const redisUrl = testRedisUrl();

describe('task.retried (real Bull queue)', () => {
  let queue: BullTaskQueue;
  beforeAll(async () => {
    queue = new BullTaskQueue(redisUrl, { prefix: uniquePrefix('obs'), attempts: 2 });
    await queue.ready();
  });
  afterAll(() => queue.close());

  it('is emitted with the attempt and the error when Bull will run the job again, and not after the last attempt', async () => {
    const task = await storedTask();
    const seen: TaskEvent[] = [];
    const events = new TaskEventLog(logger, 'worker').addSink((e) => seen.push(e));
    const outcomes: string[] = [];
    let resolveSettled!: () => void;
    const settled = new Promise<void>((resolve) => (resolveSettled = resolve));
    // The handler throws, as ProcessTask does when it cannot record an outcome.
    await queue.consume(
      async ({ delivery }) => {
        throw Object.assign(new Error(`database unavailable (attempt ${delivery})`), { type: 'SERVICE_UNAVAILABLE' });
      },
      {
        concurrency: 1,
        onFailed: (failed) =>
          void onDeliveryFailed(failed, { events, tasks: store.repositories.tasks, logger }).then((o) => {
            outcomes.push(o);
            if (outcomes.length === 2) resolveSettled();
          }),
      },
    );
    // No backoff: the second delivery follows at once.
    await queue.queue.add('process_task', { task_id: task.task_id }, { jobId: task.task_id, attempts: 2, backoff: 0 });
    await settled;
    // One per failed attempt; the retry's lookup of the task may finish after the final attempt's handler.
    expect([...outcomes].sort()).toEqual(['final', 'retried']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      event: 'task.retried',
      level: 'warn',
      task_id: task.task_id,
      session_id: task.session_id,
      request_id: 'req-obs',
      data: { attempt: 1, next_attempt: 2, max_attempts: 2, error_type: 'SERVICE_UNAVAILABLE', error_message: 'database unavailable (attempt 1)' },
    });
  });

  it('still goes out, with what the job knows, when the task cannot be read', async () => {
    const seen: TaskEvent[] = [];
    const events = new TaskEventLog(logger, 'worker').addSink((e) => seen.push(e));
    const taskId = randomUUID();
    const tasks = { findById: async () => Promise.reject(new Error('down')) };
    expect(await onDeliveryFailed({ task_id: taskId, delivery: 1, willRetry: true, maxDeliveries: 3, error: new Error('boom') }, { events, tasks, logger })).toBe('retried');
    expect(seen[0]).toMatchObject({
      event: 'task.retried',
      task_id: taskId,
      session_id: '',
      request_id: null,
      data: { attempt: 1, error_type: 'INTERNAL_ERROR' },
    });
  });
});

describe('metrics history: queue samples', () => {
  const history = (start: number) => store.repositories.taskCounters.history({ from: new Date(start), to: new Date(start + 10 * 60_000), limit: 10 });

  it('samples the queue once per interval: only the worker that claims it (real Redis) reads the queue and writes', async () => {
    const redis = new BullTaskQueue(redisUrl, { prefix: uniquePrefix('claims') });
    await redis.ready();
    try {
      let reads = 0;
      // Far in the future (and random, for a Redis that outlives the run), so no other sample holds these intervals.
      const start = Date.UTC(2031, 2, 3) + randomInt(1, 500_000) * 60_000;
      let at = new Date(start + 6000);
      // Four workers, each with its own connection's claims, as separate processes would have.
      const workers: SnapshotDeps[] = ['w1', 'w2', 'w3', 'w4'].map((owner) => ({
        repositories: store.repositories,
        queueCounts: async () => (reads++, { waiting: 4, active: 1 }),
        now: () => at,
        intervalMs: 60_000,
        claims: new RedisClaims(redis.queue.client, owner),
      }));
      expect((await Promise.all(workers.map((w) => takeMetricsSnapshot(w)))).filter((r) => r !== null)).toHaveLength(1);
      // Later in the same interval: nobody reads again.
      at = new Date(at.getTime() + 30_000);
      expect((await Promise.all(workers.map((w) => takeMetricsSnapshot(w)))).filter((r) => r !== null)).toHaveLength(0);
      // The next interval: one worker again.
      at = new Date(at.getTime() + 60_000);
      expect((await Promise.all(workers.map((w) => takeMetricsSnapshot(w)))).filter((r) => r !== null)).toHaveLength(1);
      expect(reads).toBe(2);
      const points = await history(start);
      expect(points.map((p) => p.interval_start.getTime())).toEqual([start, start + 60_000]);
      expect(points[0]!.queue).toEqual({ waiting: 4, active: 1, delayed: 0, failed: 0, completed: 0, paused: 0 });
    } finally {
      await redis.close();
    }
  });

  it('still samples when the claims cannot be reached: the minute keeps one sample', async () => {
    const start = Date.UTC(2031, 5, 6, 7, 8);
    const claims = { claim: () => Promise.reject(new Error('redis down')) };
    const deps = { repositories: store.repositories, queueCounts: async () => ({ waiting: 2 }), now: () => new Date(start + 9000), intervalMs: 60_000, claims };
    expect((await Promise.all([takeMetricsSnapshot(deps), takeMetricsSnapshot(deps)])).filter((r) => r !== null)).toHaveLength(2);
    expect((await history(start)).map((p) => p.queue?.waiting)).toEqual([2]);
  });

  it('aligns intervals on the epoch, so every worker computes the same key', () => {
    expect(intervalStart(new Date('2025-01-01T10:00:59.999Z'), 60_000).toISOString()).toBe('2025-01-01T10:00:00.000Z');
    expect(intervalStart(new Date('2025-01-01T10:07:00.000Z'), 300_000).toISOString()).toBe('2025-01-01T10:05:00.000Z');
  });
});

describe('retention purge', () => {
  it('removes events and minute counters past their retention and keeps the rest', async () => {
    const now = new Date(Date.UTC(2030, 0, 31));
    const day = 86_400_000;
    const id = randomUUID();
    const ev = (at: Date): TaskEvent => ({
      event: 'task.accepted',
      level: 'info',
      message: 'task accepted',
      timestamp: at,
      task_id: id,
      session_id: 's',
      request_id: null,
      agent_name: null,
      service: 'api',
      data: {},
    });
    await store.repositories.taskEvents.appendMany([ev(new Date(now.getTime() - 15 * day)), ev(new Date(now.getTime() - 13 * day))]);
    const queue = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, paused: 0 };
    await store.repositories.taskCounters.recordQueue(new Date(now.getTime() - 31 * day), queue);
    await store.repositories.taskCounters.recordQueue(new Date(now.getTime() - 29 * day), queue);
    const key = (hash: string, expires: Date) => ({ key_hash: hash, body_hash: 'b', task_id: randomUUID(), created_at: new Date(expires.getTime() - day), expires_at: expires });
    const liveKey = `live-${randomUUID()}`;
    await store.repositories.idempotencyKeys.reserve(key(`expired-${randomUUID()}`, new Date(now.getTime() - 1000)), new Date(now.getTime() - 2000));
    await store.repositories.idempotencyKeys.reserve(key(liveKey, new Date(now.getTime() + day)), now);
    const config = {
      taskEventStore: { enabled: true, retentionDays: 14, bufferSize: 10, flushIntervalMs: 1000 },
      metricsSnapshots: { intervalMs: 60_000, retentionDays: 30 },
    };
    const streamEvent = (at: Date) => ({ task_id: id, event: 'task.accepted' as const, timestamp: at, agent_name: null, data: {} });
    await store.repositories.taskStream.append(streamEvent(new Date(now.getTime() - 91 * day)));
    await store.repositories.taskStream.append(streamEvent(new Date(now.getTime() - 89 * day)));
    const purge = { repositories: store.repositories, retention: { eventsDays: config.taskEventStore.retentionDays, snapshotsDays: config.metricsSnapshots.retentionDays, streamDays: 90 } };
    const removed = await purgeExpired(purge, now);
    expect(removed.stream_events).toBe(1);
    expect((await store.repositories.taskStream.listAfter(id, 0)).map((e) => e.seq)).toEqual([2]);
    expect(removed.events).toBeGreaterThanOrEqual(1);
    expect(removed.snapshots).toBeGreaterThanOrEqual(1);
    expect(removed.idempotency_keys).toBeGreaterThanOrEqual(1);
    expect(await store.repositories.idempotencyKeys.find(liveKey, now)).not.toBeNull();
    expect((await store.repositories.taskEvents.listByTask(id)).map((e) => e.timestamp)).toEqual([new Date(now.getTime() - 13 * day)]);
    // Minute counters go; the history keeps the younger one.
    const minuteOf = (d: number) => store.repositories.taskCounters.history({ from: new Date(now.getTime() - d * day), to: new Date(now.getTime() - d * day + 60_000), limit: 10 });
    const left = (await Promise.all([31, 29].map(minuteOf))).flat();
    expect(left.map((p) => p.interval_start)).toEqual([new Date(now.getTime() - 29 * day)]);
    // A second worker purging at the same time finds nothing more to do.
    expect(await purgeExpired(purge, now)).toEqual({ events: 0, snapshots: 0, idempotency_keys: 0, stream_events: 0 });
  });
});

describe('LOG_TO_MONGO sink on a real database', () => {
  it('writes emitted events, redacted, readable in order from the repository', async () => {
    const task = await storedTask('req-sink');
    const sink = new BufferedEventSink({ writer: store.repositories.taskEvents, logger, bufferSize: 100, flushIntervalMs: 60_000 });
    const events = new TaskEventLog(logger, 'worker').addSink(sink.sink);
    const subject = { task_id: task.task_id, session_id: task.session_id, request_id: 'req-sink' };
    events.emit(subject, 'task.picked_up', { attempt: 1 });
    events.emit(
      subject,
      'task.failed',
      { error_type: 'LLM_ERROR', error_message: 'rejected key sk-live-abcdefghijkl', headers: { authorization: 'Bearer abc' } },
      { agent_name: 'CodeAgent', level: 'warn' },
    );
    await sink.close();
    const stored = await store.repositories.taskEvents.listByTask(task.task_id);
    expect(stored.map((e) => e.event)).toEqual(['task.picked_up', 'task.failed']);
    expect(stored[1]).toMatchObject({
      level: 'warn',
      agent_name: 'CodeAgent',
      service: 'worker',
      request_id: 'req-sink',
      data: { error_message: `rejected key ${REDACTED}`, headers: { authorization: REDACTED } },
    });
    expect(JSON.stringify(stored)).not.toContain('sk-live');
  });

  it('keeps tasks going when MongoDB is gone: emit never throws, events wait in the bounded buffer', async () => {
    const dead = await connectMongo({ uri: mongoUri, dbName });
    await dead.close();
    const sink = new BufferedEventSink({ writer: dead.repositories.taskEvents, logger, bufferSize: 2, flushIntervalMs: 60_000 });
    const events = new TaskEventLog(logger, 'worker').addSink(sink.sink);
    const subject = { task_id: randomUUID(), session_id: 's', request_id: null };
    for (let i = 0; i < 3; i++) expect(() => events.emit(subject, 'task.picked_up', { attempt: i })).not.toThrow();
    await sink.flush();
    expect(sink.pending).toBe(2);
    expect(sink.dropped).toBe(1);
    await sink.close(200);
  });
});
