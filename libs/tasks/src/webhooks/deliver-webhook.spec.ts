import { newTask, webhookIdOf, type Task } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { Webhook } from 'standardwebhooks';
import type { WebhookRequest, WebhookResponse, WebhookSender } from '../ports/webhook.port';
import { recordingLogger } from '../testing/recording';
import { DeliverWebhook, attemptResult, verdictOf } from './deliver-webhook.use-case';
import { WebhookOutbox, webhookBody } from './webhook-outbox';
import { WebhookSweep } from './webhook-sweep';

const SECRET = `whsec_${Buffer.alloc(32, 4).toString('base64')}`;
// Now, to the second: the verifier refuses timestamps far from its clock.
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);

/** A sender answering from a script, keeping every request. */
function scriptedSender(answers: Array<Partial<WebhookResponse>>): WebhookSender & { requests: WebhookRequest[] } {
  const requests: WebhookRequest[] = [];
  return {
    requests,
    send: async (request) => {
      requests.push(request);
      const answer = answers[Math.min(requests.length - 1, answers.length - 1)] ?? {};
      return { status_code: 200, duration_ms: 3, error: null, response_prefix: null, ...answer };
    },
  };
}

/** A queue that keeps what was scheduled. */
function recordingQueue() {
  const scheduled: Array<{ webhookId: string; attempt: number; delayMs: number }> = [];
  return { scheduled, schedule: async (webhookId: string, attempt: number, delayMs: number) => void scheduled.push({ webhookId, attempt, delayMs }) };
}

function endedTask(status: Task['status'] = 'completed', overrides: Partial<Task> = {}): Task {
  const task = newTask({
    task_id: '3f1c1d9e-8a4b-4c2d-9e7f-0a1b2c3d4e5f',
    session_id: 's',
    task: 'x',
    metadata: { ip: null, user_agent: null, request_id: 'r', environment: 't' },
    now: T0,
    callback_url: 'https://example.com/hook',
  });
  return { ...task, status, completed_at: T0, ...overrides };
}

async function setup(
  answers: Array<Partial<WebhookResponse>>,
  options: { secrets?: { keys: Map<string, { webhookSecret?: string }>; defaultSecret?: string } } = {},
) {
  const store = new InMemoryStore();
  const queue = recordingQueue();
  const sender = scriptedSender(answers);
  const { logger, records } = recordingLogger();
  const observed: string[] = [];
  let now = T0;
  const deliver = new DeliverWebhook({
    deliveries: store.repositories.webhookDeliveries,
    queue,
    sender,
    secrets: options.secrets ?? { keys: new Map(), defaultSecret: SECRET },
    backoff: { baseMs: 1000, maxDelayMs: 60_000, maxAgeMs: 3_600_000 },
    logger,
    observer: { attempt: (r) => void observed.push(`attempt:${r}`), finished: (o) => void observed.push(`finished:${o}`) },
    now: () => now,
    random: () => 0.5,
  });
  const outbox = new WebhookOutbox({ deliveries: store.repositories.webhookDeliveries, tasks: store.repositories.tasks, queue, logger, now: () => now });
  return { store, queue, sender, records, observed, deliver, outbox, setNow: (d: Date) => (now = d) };
}

describe('verdictOf and attemptResult', () => {
  it.each([
    [{ status_code: 200 }, 'success', 'success'],
    [{ status_code: 204 }, 'success', 'success'],
    [{ status_code: 500 }, 'retry', 'http_5xx'],
    [{ status_code: 503 }, 'retry', 'http_5xx'],
    [{ status_code: 429 }, 'retry', 'http_429'],
    [{ status_code: null, error: 'network: ECONNREFUSED' }, 'retry', 'network'],
    [{ status_code: null, error: 'timeout: no response within 10000 ms' }, 'retry', 'timeout'],
    [{ status_code: 410 }, 'give_up', 'http_4xx'],
    [{ status_code: 400 }, 'give_up', 'http_4xx'],
    [{ status_code: 301 }, 'give_up', 'http_other'],
    [{ status_code: null, error: 'refused: ...', refused: true }, 'give_up', 'refused'],
  ] as const)('%j → %s (%s)', (response, verdict, result) => {
    const r = { duration_ms: 1, response_prefix: null, error: null, ...response } as WebhookResponse;
    expect(verdictOf(r)).toBe(verdict);
    expect(attemptResult(r)).toBe(result);
  });
});

describe('WebhookOutbox', () => {
  it('records one pending delivery per ending of a task with a callback URL, and schedules its first attempt', async () => {
    const { store, queue, outbox } = await setup([]);
    const task = endedTask();
    await outbox.ended(task);
    await outbox.ended(task); // the same ending again: one delivery, one job
    const id = webhookIdOf(task);
    expect([...store.webhookDeliveries.values()]).toEqual([
      {
        webhook_id: id,
        task_id: task.task_id,
        event: 'task.completed',
        url: 'https://example.com/hook',
        api_key_id: null,
        body: webhookBody(task),
        state: 'pending',
        created_at: T0,
        updated_at: T0,
        next_attempt_at: T0,
        attempts: [],
      },
    ]);
    expect(queue.scheduled).toEqual([{ webhookId: id, attempt: 1, delayMs: 0 }]);
    // A retried task that ends again is a new message.
    await outbox.ended({ ...task, status: 'failed', retries: [{ error: null, failed_at: T0, retried_at: T0, attempts: 1 }] });
    expect([...store.webhookDeliveries.keys()]).toEqual([id, id.replace(/_0$/, '_1')]);
  });

  it('records nothing for a task without a callback URL or not ended, and never throws', async () => {
    const { store, outbox, records } = await setup([]);
    await outbox.ended(endedTask('completed', { callback_url: null }));
    await outbox.ended(endedTask('processing'));
    expect(store.webhookDeliveries.size).toBe(0);
    store.down = true;
    await expect(outbox.ended(endedTask())).resolves.toBeUndefined();
    expect(records.map((r) => r.message)).toContain('webhook delivery not recorded yet; the webhook sweep will record it');
  });
});

describe('DeliverWebhook', () => {
  it('signs the stored body for this attempt (verifiable), records it and ends the delivery on a 2xx', async () => {
    const { store, sender, deliver, outbox, observed, records } = await setup([{ status_code: 200, response_prefix: 'ok' }]);
    const task = endedTask();
    await outbox.ended(task);
    const id = webhookIdOf(task);
    expect(await deliver.run({ webhook_id: id, attempt: 1 })).toBe('delivered');
    const [request] = sender.requests;
    expect(request!.url).toBe('https://example.com/hook');
    expect(new Webhook(SECRET).verify(request!.body, request!.headers)).toMatchObject({ task_id: task.task_id, status: 'completed' });
    expect(request!.headers['webhook-timestamp']).toBe(String(T0.getTime() / 1000));
    expect(store.webhookDeliveries.get(id)).toMatchObject({
      state: 'delivered',
      next_attempt_at: null,
      attempts: [{ at: T0, status_code: 200, duration_ms: 3, error: null, response_prefix: 'ok' }],
    });
    expect(observed).toEqual(['attempt:success', 'finished:delivered']);
    // One info line, with neither the secret nor the signature.
    expect(records.filter((r) => r.message === 'webhook delivered')).toHaveLength(1);
    expect(JSON.stringify(records)).not.toMatch(/whsec_|v1,/);
  });

  it('retries a 5xx with backoff under the same id, and a job of another attempt does nothing', async () => {
    const { store, queue, deliver, outbox, setNow } = await setup([{ status_code: 503 }, { status_code: 200 }]);
    const task = endedTask();
    await outbox.ended(task);
    const id = webhookIdOf(task);
    expect(await deliver.run({ webhook_id: id, attempt: 1 })).toBe('pending');
    const pending = store.webhookDeliveries.get(id)!;
    // Attempt 1 failed: random 0.5 between base (1000) and min(max, base × 2^0) = 1000.
    expect(pending.next_attempt_at).toEqual(new Date(T0.getTime() + 1000));
    expect(queue.scheduled.at(-1)).toEqual({ webhookId: id, attempt: 2, delayMs: 1000 });
    // A stale duplicate of attempt 1 is skipped.
    expect(await deliver.run({ webhook_id: id, attempt: 1 })).toBe('skipped');
    setNow(new Date(T0.getTime() + 1000));
    expect(await deliver.run({ webhook_id: id, attempt: 2 })).toBe('delivered');
    expect(store.webhookDeliveries.get(id)!.attempts.map((a) => a.status_code)).toEqual([503, 200]);
  });

  it('gives up on a 410 and on a refused address, and once the delivery is out of time', async () => {
    for (const answer of [{ status_code: 410 }, { status_code: null, error: 'refused: x', refused: true }]) {
      const { store, deliver, outbox, queue } = await setup([answer]);
      const task = endedTask();
      await outbox.ended(task);
      expect(await deliver.run({ webhook_id: webhookIdOf(task), attempt: 1 })).toBe('failed');
      expect(store.webhookDeliveries.get(webhookIdOf(task))!.attempts).toHaveLength(1);
      expect(queue.scheduled).toHaveLength(1); // only the first attempt's job
    }
    const { store, deliver, outbox, setNow } = await setup([{ status_code: 500 }]);
    const task = endedTask();
    await outbox.ended(task);
    setNow(new Date(T0.getTime() + 3_600_000));
    expect(await deliver.run({ webhook_id: webhookIdOf(task), attempt: 1 })).toBe('failed');
    expect(store.webhookDeliveries.get(webhookIdOf(task))!.state).toBe('failed');
  });

  it("signs with the key's own secret, and retries (without sending) when the worker has none", async () => {
    const keySecret = `whsec_${Buffer.alloc(32, 8).toString('base64')}`;
    const withKey = await setup([{ status_code: 200 }], { secrets: { keys: new Map([['k', { webhookSecret: keySecret }]]) } });
    const task = endedTask('failed', { metadata: { ip: null, user_agent: null, request_id: 'r', environment: 't', api_key_id: 'k' } });
    await withKey.outbox.ended(task);
    await withKey.deliver.run({ webhook_id: webhookIdOf(task), attempt: 1 });
    expect(new Webhook(keySecret).verify(withKey.sender.requests[0]!.body, withKey.sender.requests[0]!.headers)).toMatchObject({ status: 'failed' });

    const none = await setup([{ status_code: 200 }], { secrets: { keys: new Map() } });
    await none.outbox.ended(task);
    expect(await none.deliver.run({ webhook_id: webhookIdOf(task), attempt: 1 })).toBe('pending');
    expect(none.sender.requests).toHaveLength(0);
    expect(none.store.webhookDeliveries.get(webhookIdOf(task))!.attempts[0]).toMatchObject({
      status_code: null,
      error: expect.stringContaining('no signing secret for API key "k"'),
    });
    expect(none.observed).toEqual(['attempt:no_secret']);
  });
});

describe('WebhookSweep', () => {
  it("schedules every due pending delivery's next attempt, not the later or finished ones", async () => {
    const { store, queue, outbox, deliver, setNow } = await setup([{ status_code: 500 }, { status_code: 200 }]);
    const a = endedTask();
    const b = endedTask('cancelled', { task_id: 'aaaaaaaa-8a4b-4c2d-9e7f-0a1b2c3d4e5f' });
    await outbox.ended(a);
    await outbox.ended(b);
    await deliver.run({ webhook_id: webhookIdOf(a), attempt: 1 }); // a: pending, next attempt in 1 s
    queue.scheduled.length = 0;
    const sweep = new WebhookSweep({ deliveries: store.repositories.webhookDeliveries, tasks: store.repositories.tasks, outbox, queue, batchSize: 10, now: () => T0 });
    expect(await sweep.runOnce()).toEqual({ recovered: 0, scheduled: 1 });
    expect(queue.scheduled).toEqual([{ webhookId: webhookIdOf(b), attempt: 1, delayMs: 0 }]);
    setNow(new Date(T0.getTime() + 1000));
    const later = new WebhookSweep({ deliveries: store.repositories.webhookDeliveries, tasks: store.repositories.tasks, outbox, queue, batchSize: 10, now: () => new Date(T0.getTime() + 1000) });
    queue.scheduled.length = 0;
    await later.runOnce();
    expect(queue.scheduled.map((s) => [s.webhookId, s.attempt])).toEqual([
      [webhookIdOf(b), 1],
      [webhookIdOf(a), 2],
    ]);
  });
});
