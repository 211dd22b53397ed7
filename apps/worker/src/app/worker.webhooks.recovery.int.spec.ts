// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup;
// the router's LLM is the local OpenAI stub; callbacks go to a real local HTTP receiver on a free port.
// Real worker processes (src/testing/slow-worker.fixture.ts): one is SIGKILLed after its task completed
// and while its webhook is in flight (the receiver holds that first request open, so the kill falls in
// that window for sure); a second worker delivers it: nothing lost, at most one extra delivery, one id.
import { Webhook } from 'standardwebhooks';
import { startOpenAiStub, type OpenAiStub } from '@agent-orchestrator/agents-core/testing';
import { createTaskQueue, type TaskQueue } from '@agent-orchestrator/messaging';
import { testRedisUrl } from '@agent-orchestrator/messaging/testing';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';
import { enqueueTask } from '@agent-orchestrator/messaging';
import { newTask } from '@agent-orchestrator/domain';
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
    // The first request is held open (the first worker is killed while waiting for it); the rest get 200.
    receiver = await startWebhookReceiver((_path, n) => (n === 0 ? 'hold' : { status: 200, body: 'got it' }));
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
});
