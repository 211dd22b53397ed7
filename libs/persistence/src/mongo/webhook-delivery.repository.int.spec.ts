// Integration test: needs MongoDB (or FerretDB) at MONGO_URI, provided by the Jest globalSetup.
// The webhook outbox (`webhook_deliveries`) and the task's callback_url, on a real server.
import { randomUUID } from 'node:crypto';

import type { WebhookAttempt, WebhookDelivery } from '@agent-orchestrator/domain';
import type { WebhookDeliveryRepository } from '../repositories';
import { makeTask, useTestDatabase } from '../testing/mongo-test-env';

const db = useTestDatabase();
let deliveries: WebhookDeliveryRepository;

beforeAll(() => {
  deliveries = db.store.repositories.webhookDeliveries;
});

const T0 = new Date('2031-04-05T06:07:08Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function delivery(overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  const taskId = overrides.task_id ?? randomUUID();
  return {
    webhook_id: `msg_${randomUUID().replace(/-/g, '')}_0`,
    task_id: taskId,
    event: 'task.completed',
    url: 'https://example.com/hook?a=1',
    api_key_id: 'team-a',
    body: JSON.stringify({ task_id: taskId, status: 'completed', text: 'é 😀' }),
    state: 'pending',
    created_at: T0,
    updated_at: T0,
    next_attempt_at: T0,
    attempts: [],
    ...overrides,
  };
}

const attempt = (ms: number, status: number | null, error: string | null = null): WebhookAttempt => ({
  at: at(ms),
  status_code: status,
  duration_ms: 25,
  error,
  response_prefix: status === null ? null : `status ${status}`,
});

describe('MongoWebhookDeliveryRepository', () => {
  it('stores a delivery once (the same ending recorded twice keeps the first) and reads it back as written', async () => {
    const d = delivery();
    expect(await deliveries.create(d)).toBe(true);
    expect(await deliveries.create({ ...d, url: 'https://other.example.com/' })).toBe(false);
    expect(await deliveries.findById(d.webhook_id)).toEqual(d);
    expect(await deliveries.findById('msg_missing')).toBeNull();
  });

  it('records attempts only from the state the caller read: a second runner of the same attempt records nothing', async () => {
    const d = delivery();
    await deliveries.create(d);
    const retried = await deliveries.recordAttempt(d.webhook_id, 0, attempt(10, 503), { state: 'pending', next_attempt_at: at(5000) }, at(20));
    expect(retried).toMatchObject({ state: 'pending', next_attempt_at: at(5000), updated_at: at(20), attempts: [attempt(10, 503)] });
    // Same attempt number again (a duplicate job): refused.
    expect(await deliveries.recordAttempt(d.webhook_id, 0, attempt(11, 200), { state: 'delivered' }, at(21))).toBeNull();
    const done = await deliveries.recordAttempt(d.webhook_id, 1, attempt(5000, 200), { state: 'delivered' }, at(5030));
    expect(done).toMatchObject({ state: 'delivered', next_attempt_at: null, attempts: [attempt(10, 503), attempt(5000, 200)] });
    // Over: nothing more is recorded.
    expect(await deliveries.recordAttempt(d.webhook_id, 2, attempt(6000, 200), { state: 'delivered' }, at(6000))).toBeNull();
  });

  it("lists a task's deliveries oldest first, and the pending ones that are due, soonest first", async () => {
    const taskId = randomUUID();
    const base = new Date('2031-09-01T00:00:00Z').getTime();
    const first = delivery({ task_id: taskId, webhook_id: `msg_${taskId}_0`, created_at: new Date(base), next_attempt_at: new Date(base + 3000) });
    const second = delivery({ task_id: taskId, webhook_id: `msg_${taskId}_1`, created_at: new Date(base + 1000), next_attempt_at: new Date(base + 1000) });
    const later = delivery({ created_at: new Date(base), next_attempt_at: new Date(base + 60_000) });
    const over = delivery({ state: 'failed', created_at: new Date(base), next_attempt_at: null });
    for (const d of [second, first, later, over]) await deliveries.create(d);
    expect((await deliveries.listByTask(taskId)).map((d) => d.webhook_id)).toEqual([first.webhook_id, second.webhook_id]);
    const due = (await deliveries.listDue(new Date(base + 5000), 1000)).filter((d) => d.created_at.getTime() >= base);
    expect(due.map((d) => d.webhook_id)).toEqual([second.webhook_id, first.webhook_id]);
    expect(await deliveries.listDue(new Date(base + 5000), 1)).toHaveLength(1);
  });

  it("keeps a task's callback_url (null when none, and on tasks stored before it existed)", async () => {
    const withUrl = makeTask({ callback_url: 'https://example.com/cb' });
    await db.store.repositories.tasks.create(withUrl);
    expect((await db.store.repositories.tasks.findById(withUrl.task_id))?.callback_url).toBe('https://example.com/cb');
    const without = makeTask();
    await db.store.repositories.tasks.create(without);
    expect((await db.store.repositories.tasks.findById(without.task_id))?.callback_url).toBeNull();
    const old = makeTask();
    const { callback_url: _dropped, ...legacy } = { ...old, _id: old.task_id };
    await db.raw.collection('tasks').insertOne(legacy as never);
    expect((await db.store.repositories.tasks.findById(old.task_id))?.callback_url).toBeNull();
  });
});
