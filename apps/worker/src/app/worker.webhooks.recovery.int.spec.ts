// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup;
// the router's LLM is the local OpenAI stub; callbacks go to a real local HTTP receiver on a free port.
// Real worker processes (src/testing/slow-worker.fixture.ts): one is SIGKILLed after its task completed
// and while its webhook is in flight (the receiver holds that first request open, so the kill falls in
// that window for sure); a second worker delivers it: nothing lost, at most one extra delivery, one id.
// And one SIGKILLed between the task's ending and the record of its delivery (HANG_AFTER_EVENT=task.completed
// blocks the worker right after the terminal write, before the outbox's): the ending's webhook marker
// makes a second worker's sweep record and deliver it.
import { Webhook } from 'standardwebhooks';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { createTaskQueue, type TaskQueue } from '@agent-orchestrator/messaging';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { enqueueTask } from '@agent-orchestrator/messaging';
import { API_VERSION, newTask, presentTask, webhookIdOf } from '@agent-orchestrator/domain';
import { randomUUID } from 'node:crypto';
import { startWebhookReceiver, type WebhookReceiver } from '../testing/webhook-receiver';
import { fixtureWorkerEnv, fixtureWorkers, until } from '../testing/worker-processes';

jest.setTimeout(90_000);

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

describe('webhook delivery across a worker SIGKILL (real worker processes)', () => {
  const dbName = testDatabaseName('ao_webhook_kill');
  const redisUrl = testRedisUrl();
  let openai: OpenAiStub;
  let receiver: WebhookReceiver;
  let store: MongoStore;
  let queue: TaskQueue;

  const webhookEnv = {
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true',
    WEBHOOK_BACKOFF_BASE_MS: '50',
    WEBHOOK_BACKOFF_MAX_MS: '200',
    WEBHOOK_SWEEP_INTERVAL_MS: '500',
    // Longer than the test: the held request must not time out in the first worker before the kill.
    WEBHOOK_TIMEOUT_MS: '60000',
    WEBHOOK_CONNECT_TIMEOUT_MS: '2000',
    SLOW_AGENT_MS: '50',
  };
  const workers = fixtureWorkers((extra) => fixtureWorkerEnv({ dbName, redisUrl, openaiUrl: openai.url }, { ...webhookEnv, ...extra }));

  beforeAll(async () => {
    openai = await startOpenAiStub(() => ({ json: { agent_name: 'SlowAgent', confidence: 0.95, reasoning: 'Everything goes to the slow agent here.' } }));
    // The first request to /hook is held open (the first worker is killed while waiting for it); the rest get 200.
    receiver = await startWebhookReceiver((path, n) => (path === '/hook' && n === 0 ? 'hold' : { status: 200, body: 'got it' }));
    store = await connectMongo({ uri: process.env['MONGO_URI']!, dbName });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl);
    await queue.isReady();
  });

  afterAll(async () => {
    await workers.killAll();
    await queue.close();
    await store.close();
    await dropTestDatabase(dbName);
    await receiver.close();
    await openai.close();
  });

  it('a second worker delivers the webhook of a task whose worker died mid-delivery, with the same webhook-id', async () => {
    const first = await workers.spawn();
    const task = newTask({
      task_id: randomUUID(),
      session_id: randomUUID(),
      task: 'Finish, then tell me',
      metadata: { ip: null, user_agent: null, request_id: 'r-kill', environment: 'test' },
      now: new Date(),
      callback_url: `${receiver.url}/hook`,
    });
    await store.repositories.tasks.create(task);
    await enqueueTask(queue, task.task_id);

    // The task completed and its first delivery attempt is in flight, held by the receiver.
    await until('the first webhook request', async () => receiver.to('/hook').length === 1, 30_000);
    expect((await store.repositories.tasks.findById(task.task_id))?.status).toBe('completed');
    const [inFlight] = await store.repositories.webhookDeliveries.listByTask(task.task_id);
    expect(inFlight).toMatchObject({ state: 'pending', attempts: [] });

    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    await workers.spawn();
    const delivered = await until(
      'the webhook to be delivered by the second worker',
      async () => {
        const [d] = await store.repositories.webhookDeliveries.listByTask(task.task_id);
        return d?.state === 'delivered' ? d : undefined;
      },
      30_000,
    );
    // The dead worker's attempt was never recorded; the second worker's is.
    expect(delivered.attempts).toEqual([expect.objectContaining({ status_code: 200, response_prefix: 'got it' })]);
    // Nothing lost, at most one extra delivery: the held request and the real one, same id, both signed.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const hits = receiver.to('/hook');
    expect(hits).toHaveLength(2);
    expect(hits.map((h) => h.headers['webhook-id'])).toEqual([delivered.webhook_id, delivered.webhook_id]);
    for (const h of hits)
      expect(new Webhook(SECRET).verify(h.body, h.headers as Record<string, string>)).toMatchObject({ task_id: task.task_id, status: 'completed' });
  });

  it('a second worker delivers the webhook of a task whose worker died between its ending and recording the delivery', async () => {
    await workers.killAll(); // the previous test's worker must not take this task
    const first = await workers.spawn({ HANG_AFTER_EVENT: 'task.completed' });
    const task = newTask({
      task_id: randomUUID(),
      session_id: randomUUID(),
      task: 'Finish, then die',
      metadata: { ip: null, user_agent: null, request_id: 'r-marker', environment: 'test' },
      now: new Date(),
      callback_url: `${receiver.url}/marker`,
    });
    await store.repositories.tasks.create(task);
    await enqueueTask(queue, task.task_id);

    // Blocked right after the terminal write: the task is completed, its delivery not recorded, its marker set.
    await until(`the first worker to stop after the ending (output: ${first.output()})`, async () => first.output().includes(`HANGING task.completed ${task.task_id}`), 30_000);
    const ended = (await store.repositories.tasks.findById(task.task_id))!;
    expect(ended.status).toBe('completed');
    expect(await store.repositories.webhookDeliveries.listByTask(task.task_id)).toEqual([]);
    expect((await store.repositories.tasks.listWebhookPending(new Date(Date.now() + 60_000), 100)).map((t) => t.task_id)).toContain(task.task_id);

    first.proc.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The second worker's sweep finds the marker (older than its grace period) and records the delivery.
    await workers.spawn();
    const delivered = await until(
      'the webhook to be recorded and delivered by the second worker',
      async () => {
        const [d] = await store.repositories.webhookDeliveries.listByTask(task.task_id);
        return d?.state === 'delivered' ? d : undefined;
      },
      45_000,
    );
    expect(delivered.webhook_id).toBe(webhookIdOf(ended));
    expect(delivered.attempts).toEqual([expect.objectContaining({ status_code: 200 })]);
    expect(await store.repositories.tasks.listWebhookPending(new Date(Date.now() + 60_000), 100)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const hits = receiver.to('/marker');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.headers['webhook-id']).toBe(delivered.webhook_id);
    // The body is the final task as GET /v1/tasks/{task_id} shows it, signed.
    const body = new Webhook(SECRET).verify(hits[0]!.body, hits[0]!.headers as Record<string, string>);
    expect(body).toEqual(JSON.parse(JSON.stringify({ ...presentTask(ended), api_version: API_VERSION })));
  });
});
