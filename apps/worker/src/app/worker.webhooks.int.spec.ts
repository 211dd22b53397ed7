// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup;
// the router's LLM is the local OpenAI stub, and the callbacks go to a real local HTTP receiver
// (src/testing/webhook-receiver.ts) on a free port. A whole worker (startWorker) in this process.
// Webhooks on completion: signed deliveries verified with the independent `standardwebhooks`
// package, retries after 500s with one webhook-id, no retry after 410, failed and cancelled tasks,
// a private address refused when not allowed.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { AgentDescriptor } from '@agent-orchestrator/agents-core';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { loadWorkerConfig } from '@agent-orchestrator/config';
import { newTask, type Task, type WebhookDelivery } from '@agent-orchestrator/domain';
import { createTaskQueue, enqueueTask, type TaskQueue } from '@agent-orchestrator/messaging';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { TaskEventLog, createLogger, findSamples } from '@agent-orchestrator/observability';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { TaskLifecycle, WebhookOutbox } from '@agent-orchestrator/tasks';
import { startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver';
import { until } from '../testing/worker-processes';
import { startWorker, type RunningWorker } from './worker';

jest.setTimeout(60_000);

const logger = createLogger({ service: 'test', level: 'error', silent: true });
const SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
const KEY_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

const descriptor: AgentDescriptor = {
  name: 'EchoAgent',
  version: '1.0.0',
  agent_type: 'echo',
  description: 'Repeats the task back, or fails when asked to; a stand-in agent for this test.',
  create: () => ({
    name: 'EchoAgent',
    version: '1.0.0',
    run: async (input) => {
      if (input.task.includes('please fail')) throw Object.assign(new Error('the echo agent was asked to fail'), { type: 'INTERNAL_ERROR' });
      return { output: { agent_name: 'EchoAgent', content: `echo: ${input.task}`, citations: [] }, usage: [], model: null };
    },
  }),
};

describe('webhooks on completion (real worker, MongoDB, Redis, a local receiver)', () => {
  const mongoUri = process.env['MONGO_URI']!;
  const redisUrl = testRedisUrl();
  let openai: OpenAiStub;
  let receiver: WebhookReceiver;
  let queue: TaskQueue;

  beforeAll(async () => {
    openai = await startOpenAiStub(() => ({ json: { agent_name: 'EchoAgent', confidence: 0.95, reasoning: 'Everything is echoed here.' } }));
    receiver = await startWebhookReceiver((path, n) => {
      if (path === '/flaky') return n < 2 ? { status: 500, body: `not yet (${n + 1})` } : { status: 200, body: 'ok' };
      if (path === '/gone') return { status: 410, body: 'this hook is gone' };
      if (path === '/busy') return n === 0 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 204 };
      return { status: 200, body: 'thanks' };
    });
    queue = createTaskQueue(redisUrl);
    await queue.isReady();
  });

  afterAll(async () => {
    await queue.close();
    await receiver.close();
    await openai.close();
  });

  /** A worker on its own database: backoff in milliseconds, callbacks to this machine allowed unless `extra` says otherwise. */
  async function workerOn(dbName: string, extra: Record<string, string> = {}): Promise<{ worker: RunningWorker; store: MongoStore }> {
    const config = loadWorkerConfig({
      MONGO_URI: mongoUri,
      MONGO_DB_NAME: dbName,
      REDIS_URL: redisUrl,
      AGENTS: 'echo-agent-package',
      OPENAI_API_KEY: 'sk-test-0123456789abcdef',
      OPENAI_BASE_URL: openai.url,
      WORKER_METRICS_PORT: '0',
      WORKER_HEARTBEAT_MS: '500',
      RECONCILE_INTERVAL_MS: '0',
      LOG_LEVEL: 'error',
      API_KEYS: JSON.stringify([{ id: 'team-a', secret: 'team-a-secret-0123456789', tenant: 'a', scopes: ['admin'], webhook_secret: KEY_SECRET }]),
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
      WEBHOOK_BACKOFF_BASE_MS: '50',
      WEBHOOK_BACKOFF_MAX_MS: '200',
      WEBHOOK_SWEEP_INTERVAL_MS: '300',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
      ...extra,
    });
    const worker = await startWorker(config, logger, {}, async () => ({ agentDescriptor: descriptor }));
    const store = await connectMongo({ uri: mongoUri, dbName });
    return { worker, store };
  }

  async function submit(store: MongoStore, text: string, callbackUrl: string, apiKeyId?: string): Promise<Task> {
    const task = newTask({
      task_id: randomUUID(),
      session_id: randomUUID(),
      task: text,
      metadata: { ip: null, user_agent: null, request_id: 'r-webhooks', environment: 'test', ...(apiKeyId ? { api_key_id: apiKeyId } : {}) },
      now: new Date(),
      callback_url: callbackUrl,
    });
    await store.repositories.tasks.create(task);
    await enqueueTask(queue, task.task_id);
    return task;
  }

  const settled = (store: MongoStore, taskId: string) =>
    until(`the webhook of ${taskId} to settle`, async () => {
      const [d] = await store.repositories.webhookDeliveries.listByTask(taskId);
      return d && d.state !== 'pending' ? d : undefined;
    });

  describe('with callbacks to this machine allowed', () => {
    const dbName = testDatabaseName('ao_webhooks');
    let worker: RunningWorker;
    let store: MongoStore;

    beforeAll(async () => ({ worker, store } = await workerOn(dbName)));
    afterAll(async () => {
      await worker.stop(1000);
      await store.close();
      await dropTestDatabase(dbName);
    });

    it('POSTs the final task, signed so that the standardwebhooks verifier accepts it', async () => {
      const task = await submit(store, 'Say hello', `${receiver.url}/ok?task=1`);
      const delivery = await settled(store, task.task_id);
      expect(delivery).toMatchObject({
        state: 'delivered',
        event: 'task.completed',
        next_attempt_at: null,
        webhook_id: `msg_${task.task_id.replace(/-/g, '')}_0`,
      });
      expect(delivery.attempts).toEqual([{ at: expect.any(Date), status_code: 200, duration_ms: expect.any(Number), error: null, response_prefix: 'thanks' }]);

      const [hit] = receiver.received.filter((r) => r.headers['webhook-id'] === delivery.webhook_id);
      expect(hit).toBeDefined();
      expect(hit!.headers['content-type']).toBe('application/json');
      expect(hit!.headers['user-agent']).toMatch(/^agent-orchestrator-webhooks\//);
      // An independent implementation of the specification checks id, timestamp and signature.
      const payload = new Webhook(SECRET).verify(hit!.body, hit!.headers as Record<string, string>) as Record<string, unknown>;
      expect(payload).toMatchObject({ task_id: task.task_id, status: 'completed', callback_url: `${receiver.url}/ok?task=1`, api_version: 'v1' });
      expect(payload['result']).toMatchObject({ raw_output: 'echo: Say hello' });
      // What GET /v1/tasks/{id} would answer: the stored task, same fields.
      const stored = await store.repositories.tasks.findById(task.task_id);
      expect(payload['completed_at']).toBe(stored!.completed_at!.toISOString());
      // Another secret does not verify it.
      expect(() => new Webhook(KEY_SECRET).verify(hit!.body, hit!.headers as Record<string, string>)).toThrow();
    });

    it("signs with the key's own webhook_secret when the task came with that key", async () => {
      const task = await submit(store, 'Sign it with my key', `${receiver.url}/ok?task=2`, 'team-a');
      const delivery = await settled(store, task.task_id);
      const hit = receiver.received.find((r) => r.headers['webhook-id'] === delivery.webhook_id)!;
      expect(new Webhook(KEY_SECRET).verify(hit.body, hit.headers as Record<string, string>)).toMatchObject({ task_id: task.task_id });
    });

    it('retries after 500s with the same webhook-id: three attempts recorded, then delivered', async () => {
      const task = await submit(store, 'Flaky receiver', `${receiver.url}/flaky`);
      const delivery = await settled(store, task.task_id);
      expect(delivery.state).toBe('delivered');
      expect(delivery.attempts.map((a) => [a.status_code, a.response_prefix])).toEqual([
        [500, 'not yet (1)'],
        [500, 'not yet (2)'],
        [200, 'ok'],
      ]);
      const hits = receiver.to('/flaky');
      expect(hits).toHaveLength(3);
      expect(new Set(hits.map((h) => h.headers['webhook-id']))).toEqual(new Set([delivery.webhook_id]));
      // Each attempt is signed with its own timestamp and verifies on its own.
      for (const h of hits) expect(new Webhook(SECRET).verify(h.body, h.headers as Record<string, string>)).toMatchObject({ task_id: task.task_id });
      // Backed off between attempts (base 50 ms here).
      expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(40);
    });

    it('retries a 429 (Retry-After honoured within bounds)', async () => {
      const task = await submit(store, 'Busy receiver', `${receiver.url}/busy`);
      const delivery = await settled(store, task.task_id);
      expect(delivery.attempts.map((a) => a.status_code)).toEqual([429, 204]);
      expect(delivery.state).toBe('delivered');
    });

    it('does not retry a 410: one attempt, delivery failed', async () => {
      const task = await submit(store, 'Gone receiver', `${receiver.url}/gone`);
      const delivery = await settled(store, task.task_id);
      expect(delivery).toMatchObject({ state: 'failed', next_attempt_at: null });
      expect(delivery.attempts).toEqual([expect.objectContaining({ status_code: 410, response_prefix: 'this hook is gone', error: null })]);
      // Nothing more arrives later.
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(receiver.to('/gone')).toHaveLength(1);
    });

    it('delivers failed tasks too', async () => {
      const task = await submit(store, 'Echo, please fail', `${receiver.url}/ok?task=failed`);
      const delivery = await settled(store, task.task_id);
      expect(delivery).toMatchObject({ state: 'delivered', event: 'task.failed' });
      const hit = receiver.received.find((r) => r.headers['webhook-id'] === delivery.webhook_id)!;
      expect(new Webhook(SECRET).verify(hit.body, hit.headers as Record<string, string>)).toMatchObject({
        status: 'failed',
        error: { type: 'INTERNAL_ERROR' },
      });
    });

    it('delivers a cancelled task: recorded where it was cancelled (the api), sent by the sweep', async () => {
      // A queued task the api cancels: no worker ever runs it, the api records the delivery only.
      const task = newTask({
        task_id: randomUUID(),
        session_id: randomUUID(),
        task: 'Never mind',
        metadata: { ip: null, user_agent: null, request_id: 'r-cancel', environment: 'test' },
        now: new Date(),
        callback_url: `${receiver.url}/ok?task=cancelled`,
      });
      await store.repositories.tasks.create(task);
      const apiLifecycle = new TaskLifecycle({
        tasks: store.repositories.tasks,
        events: new TaskEventLog(logger, 'api'),
        webhooks: new WebhookOutbox({ deliveries: store.repositories.webhookDeliveries, tasks: store.repositories.tasks, logger }),
      });
      expect((await apiLifecycle.requestCancel(task.task_id, {}))?.change).toBe('cancelled');
      // The delivery is recorded, so the ending's webhook marker is cleared.
      expect((await store.repositories.tasks.listWebhookPending(new Date(Date.now() + 60_000), 100)).map((t) => t.task_id)).not.toContain(task.task_id);
      const delivery = await settled(store, task.task_id);
      expect(delivery).toMatchObject({ state: 'delivered', event: 'task.cancelled' });
      const hit = receiver.received.find((r) => r.headers['webhook-id'] === delivery.webhook_id)!;
      expect(new Webhook(SECRET).verify(hit.body, hit.headers as Record<string, string>)).toMatchObject({ status: 'cancelled', error: { type: 'CANCELLED' } });
    });

    it("counts deliveries and attempts on the worker's /metrics", async () => {
      const res = await fetch(`http://127.0.0.1:${worker.metrics_port}/metrics`);
      const text = await res.text();
      const value = (name: string, labels: Record<string, string>) => findSamples(text, name, labels)[0]?.value ?? 0;
      expect(value('webhook_deliveries_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(5);
      expect(value('webhook_deliveries_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(1);
      expect(value('webhook_attempts_total', { result: 'http_5xx' })).toBeGreaterThanOrEqual(2);
      expect(value('webhook_attempts_total', { result: 'http_4xx' })).toBeGreaterThanOrEqual(1);
      expect(value('webhook_attempt_duration_seconds_count', { result: 'success' })).toBeGreaterThanOrEqual(5);
    });
  });

  describe('with private addresses not allowed (the production setting)', () => {
    const dbName = testDatabaseName('ao_webhooks_ssrf');
    let worker: RunningWorker;
    let store: MongoStore;

    beforeAll(async () => ({ worker, store } = await workerOn(dbName, { WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'false' })));
    afterAll(async () => {
      await worker.stop(1000);
      await store.close();
      await dropTestDatabase(dbName);
    });

    it.each([
      ['loopback by address', (url: string) => `${url}/ok?ssrf=1`],
      ['loopback by name', (url: string) => `${url.replace('127.0.0.1', 'localhost')}/ok?ssrf=2`],
      ['the metadata endpoint', () => 'http://169.254.169.254/latest/meta-data/'],
    ])('refuses %s: one recorded attempt, no request made, no retry', async (_name, url) => {
      const before = receiver.received.length;
      const task = await submit(store, 'Reach inside', url(receiver.url));
      const delivery: WebhookDelivery = await settled(store, task.task_id);
      expect(delivery.state).toBe('failed');
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]).toMatchObject({
        status_code: null,
        response_prefix: null,
        error: expect.stringMatching(/^refused: .* not a public address/),
      });
      expect(receiver.received.length).toBe(before);
    });
  });
});
