// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup.
// Webhooks on the api side against a real store and a real Bull queue: callback_url at submit
// (checked, the key's default, a secret required), shown on the task, and
// GET /v1/tasks/{task_id}/webhooks; every answer is held against the OpenAPI document (jest-setup.ts).
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { newTask } from '@agent-orchestrator/domain';
import { connectMongo, type MongoStore } from '@agent-orchestrator/persistence';
import { bullApiMessaging, createTaskQueue, pingQueue, type TaskQueue } from '@agent-orchestrator/messaging';
import { createLogger } from '@agent-orchestrator/observability';
import { loadApiConfig, type Env } from '@agent-orchestrator/config';
import { createApp } from '../app';
import { testRedisUrl, waitUntil } from '@agent-orchestrator/messaging/testing';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const KEYS = JSON.stringify([
  {
    id: 'signed',
    secret: 'signed-secret-0123456789',
    tenant: 'a',
    scopes: ['admin'],
    webhook_secret: SECRET,
    callback_url: 'https://default.example.com/hook',
  },
  { id: 'unsigned', secret: 'unsigned-secret-0123456789', tenant: 'a', scopes: ['admin'] },
]);

describe('webhooks in the api (integration)', () => {
  const mongoUri = process.env['MONGO_URI']!;
  const redisUrl = testRedisUrl();
  const dbName = testDatabaseName('api_webhooks');
  const logger = createLogger({ service: 'api', level: 'error', silent: true });
  let store: MongoStore;
  let queue: TaskQueue;

  const app = (env: Env = {}) =>
    createApp({
      config: loadApiConfig({ MONGO_URI: mongoUri, MONGO_DB_NAME: dbName, REDIS_URL: redisUrl, API_RATE_LIMIT_PER_MINUTE: '0', ...env }),
      logger,
      store,
      ...bullApiMessaging(queue, { enqueueTimeoutMs: 5000 }),
      environment: 'int-test',
    });
  const submit = (body: Record<string, unknown>, env: Env = {}, key?: string) => {
    const req = request(app(env)).post('/v1/agent/execute');
    return (key ? req.set('Authorization', `Bearer ${key}`) : req).send({ task: 'Say hello', ...body });
  };

  beforeAll(async () => {
    store = await connectMongo({ uri: mongoUri, dbName, appName: 'api-webhooks-int-tests' });
    await store.ensureIndexes();
    queue = createTaskQueue(redisUrl, { failFast: true });
    if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) throw new Error(`Redis at ${redisUrl} is not reachable`);
  });

  afterAll(async () => {
    await queue?.empty().catch(() => undefined);
    await queue?.close();
    await store?.close();
    await dropTestDatabase(dbName);
  });

  describe('POST /v1/agent/execute with callback_url', () => {
    it('stores the callback URL on the task and shows it in GET /v1/tasks/{id} (never the secret)', async () => {
      const res = await submit({ callback_url: 'https://hooks.example.com/ao?x=1' }, { WEBHOOK_SECRET: SECRET }).expect(202);
      const task = await request(app({ WEBHOOK_SECRET: SECRET }))
        .get(`/v1/tasks/${res.body.task_id}`)
        .expect(200);
      expect(task.body.callback_url).toBe('https://hooks.example.com/ao?x=1');
      expect(JSON.stringify(task.body)).not.toContain('whsec_');
      expect((await store.repositories.tasks.findById(res.body.task_id))?.callback_url).toBe('https://hooks.example.com/ao?x=1');
    });

    it('leaves callback_url null when none is given and the key has no default', async () => {
      const res = await submit({}).expect(202);
      expect((await request(app()).get(`/v1/tasks/${res.body.task_id}`).expect(200)).body.callback_url).toBeNull();
    });

    it.each([
      ['http://hooks.example.com/x', /must use https \(got http\)/],
      ['https://user:pw@hooks.example.com/x', /credentials/],
      ['https://hooks.example.com/x#part', /fragment/],
      ['not a url', /absolute URL/],
      [`https://hooks.example.com/${'a'.repeat(2100)}`, /at most 2048/],
      [42, /must be a string/],
    ])('refuses %s with a 400 VALIDATION_ERROR naming callback_url', async (url, message) => {
      const res = await submit({ callback_url: url }, { WEBHOOK_SECRET: SECRET }).expect(400);
      expect(res.body.error).toMatchObject({ type: 'VALIDATION_ERROR', request_id: expect.any(String) });
      // The body's shape (DTO) or the URL rules (use case): either way the detail names the field and says why.
      expect(res.body.error.details[0].field).toBe('callback_url');
      expect(`${res.body.error.message} ${res.body.error.details[0].message}`).toMatch(message);
    });

    it('accepts http when WEBHOOK_ALLOW_HTTP is on (development)', async () => {
      await submit({ callback_url: 'http://localhost:8080/hook' }, { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_HTTP: 'true' }).expect(202);
    });

    it('refuses a callback no secret can sign, saying what to configure', async () => {
      const res = await submit({ callback_url: 'https://hooks.example.com/x' }).expect(400);
      expect(res.body.error).toMatchObject({ type: 'VALIDATION_ERROR', message: expect.stringContaining('WEBHOOK_SECRET') });
      const keyed = await submit({ callback_url: 'https://hooks.example.com/x' }, { API_KEYS: KEYS }, 'unsigned-secret-0123456789').expect(400);
      expect(keyed.body.error.message).toContain('"webhook_secret" for API key "unsigned"');
    });

    it("gives a task without callback_url its key's default, signed with the key's own secret", async () => {
      const res = await submit({}, { API_KEYS: KEYS }, 'signed-secret-0123456789').expect(202);
      expect((await store.repositories.tasks.findById(res.body.task_id))?.callback_url).toBe('https://default.example.com/hook');
      const own = await submit({ callback_url: 'https://mine.example.com/h' }, { API_KEYS: KEYS }, 'signed-secret-0123456789').expect(202);
      expect((await store.repositories.tasks.findById(own.body.task_id))?.callback_url).toBe('https://mine.example.com/h');
    });
  });

  describe('GET /v1/tasks/{task_id}/webhooks', () => {
    it('lists the deliveries and their attempts, oldest first', async () => {
      const task = newTask({
        task_id: randomUUID(),
        session_id: randomUUID(),
        task: 'x',
        metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'int-test' },
        now: new Date(),
        callback_url: 'https://hooks.example.com/x',
      });
      await store.repositories.tasks.create({ ...task, status: 'completed', completed_at: new Date() });
      const created = new Date('2031-01-01T00:00:00Z');
      const webhookId = `msg_${task.task_id.replace(/-/g, '')}_0`;
      await store.repositories.webhookDeliveries.create({
        webhook_id: webhookId,
        task_id: task.task_id,
        event: 'task.completed',
        url: task.callback_url!,
        api_key_id: null,
        body: '{"secret":"never shown"}',
        state: 'pending',
        created_at: created,
        updated_at: created,
        next_attempt_at: created,
        attempts: [],
      });
      const next = new Date(created.getTime() + 5000);
      await store.repositories.webhookDeliveries.recordAttempt(
        webhookId,
        0,
        { at: created, status_code: 503, duration_ms: 40, error: null, response_prefix: 'busy' },
        { state: 'pending', next_attempt_at: next },
        created,
      );
      await store.repositories.webhookDeliveries.recordAttempt(
        webhookId,
        1,
        { at: next, status_code: null, duration_ms: 10_000, error: 'timeout: no response within 10000 ms', response_prefix: null },
        { state: 'failed' },
        next,
      );

      const res = await request(app()).get(`/v1/tasks/${task.task_id.toUpperCase()}/webhooks`).expect(200);
      expect(res.body).toEqual({
        task_id: task.task_id,
        deliveries: [
          {
            webhook_id: webhookId,
            event: 'task.completed',
            url: 'https://hooks.example.com/x',
            state: 'failed',
            created_at: created.toISOString(),
            updated_at: next.toISOString(),
            next_attempt_at: null,
            attempts: [
              { at: created.toISOString(), status_code: 503, duration_ms: 40, error: null, response_prefix: 'busy' },
              { at: next.toISOString(), status_code: null, duration_ms: 10_000, error: 'timeout: no response within 10000 ms', response_prefix: null },
            ],
          },
        ],
        api_version: 'v1',
      });
    });

    it('answers an empty list for a task without webhooks, 404 for an unknown task, 400 for a bad id', async () => {
      const res = await submit({}).expect(202);
      expect((await request(app()).get(`/v1/tasks/${res.body.task_id}/webhooks`).expect(200)).body.deliveries).toEqual([]);
      expect((await request(app()).get(`/v1/tasks/${randomUUID()}/webhooks`).expect(404)).body.error.type).toBe('NOT_FOUND');
      expect((await request(app()).get('/v1/tasks/nope/webhooks').expect(400)).body.error.type).toBe('VALIDATION_ERROR');
    });

    it('records the webhook of a queued task cancelled through the api (the worker delivers it)', async () => {
      const res = await submit({ callback_url: 'https://hooks.example.com/cancelled' }, { WEBHOOK_SECRET: SECRET }).expect(202);
      await request(app({ WEBHOOK_SECRET: SECRET }))
        .post(`/v1/tasks/${res.body.task_id}/cancel`)
        .expect(200);
      const list = await request(app()).get(`/v1/tasks/${res.body.task_id}/webhooks`).expect(200);
      expect(list.body.deliveries).toEqual([
        expect.objectContaining({ event: 'task.cancelled', state: 'pending', url: 'https://hooks.example.com/cancelled', attempts: [] }),
      ]);
    });
  });
});
