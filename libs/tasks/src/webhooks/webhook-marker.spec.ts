// Unit spec (in-memory adapters): the webhook marker closes the gap between a task's ending (one
// write on `tasks`) and the record of its webhook delivery (a second write on `webhook_deliveries`).
import { ErrorType, newTask, presentTask, webhookIdOf, type Task } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { randomUUID } from 'node:crypto';
import { TaskLifecycle } from '../lifecycle/task-lifecycle';
import type { WebhookRequest } from '../ports/webhook.port';
import { RecordingTaskEvents, recordingLogger } from '../testing/recording';
import { DeliverWebhook } from './deliver-webhook.use-case';
import { WebhookOutbox, webhookBody } from './webhook-outbox';
import { WEBHOOK_MARKER_GRACE_MS, WebhookSweep } from './webhook-sweep';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2, cost_usd: 0, by_model: [] };
const result = { summary: 's', raw_output: 'r', code_language: null, citations: [] };

function recordingQueue() {
  const scheduled: Array<{ webhookId: string; attempt: number }> = [];
  return { scheduled, schedule: async (webhookId: string, attempt: number) => void scheduled.push({ webhookId, attempt }) };
}

async function setup() {
  const store = new InMemoryStore();
  const { tasks, webhookDeliveries } = store.repositories;
  const queue = recordingQueue();
  const { logger, records } = recordingLogger();
  let now = T0;
  const clock = () => now;
  const outbox = new WebhookOutbox({ deliveries: webhookDeliveries, tasks, queue, logger, now: clock });
  const events = new RecordingTaskEvents(clock);
  /** The lifecycle of a process that records the delivery after the ending, as the worker and the api do. */
  const lifecycle = new TaskLifecycle({ tasks, events, now: clock, webhooks: outbox });
  /** The lifecycle of a process killed right after the ending's write: its outbox write never happens. */
  const killed = new TaskLifecycle({
    tasks,
    events,
    now: clock,
    webhooks: {
      ended: async () => {
        throw new Error('SIGKILL');
      },
      record: async () => {
        throw new Error('SIGKILL');
      },
    },
  });
  const sweep = new WebhookSweep({ deliveries: webhookDeliveries, tasks, outbox, queue, batchSize: 10, now: clock });
  const requests: WebhookRequest[] = [];
  const deliver = new DeliverWebhook({
    deliveries: webhookDeliveries,
    queue,
    sender: { send: async (r) => (requests.push(r), { status_code: 204, duration_ms: 1, error: null, response_prefix: null }) },
    secrets: { keys: new Map(), defaultSecret: SECRET },
    backoff: { baseMs: 1000, maxDelayMs: 60_000, maxAgeMs: 3_600_000 },
    logger,
    now: clock,
    random: () => 0.5,
  });
  async function processingTask(callback_url: string | null = 'https://example.com/hook'): Promise<Task> {
    const task = newTask({ task_id: randomUUID(), session_id: 's', task: 'x', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 't' }, now, callback_url });
    await tasks.create(task);
    return (await tasks.markProcessing(task.task_id, now))!;
  }
  return { store, queue, records, lifecycle, killed, sweep, deliver, requests, processingTask, setNow: (d: Date) => (now = d), at: (ms: number) => new Date(T0.getTime() + ms) };
}

describe('the webhook marker', () => {
  it('is set by the ending of a task with a callback URL, in the same write, to the ending time; not for a task without one', async () => {
    const { store, killed, processingTask } = await setup();
    const withUrl = await processingTask();
    const without = await processingTask(null);
    await expect(killed.complete(withUrl, { result, usage }, {})).rejects.toThrow('SIGKILL');
    await expect(killed.fail(without, { error: { type: ErrorType.LLM_ERROR, message: 'x' } }, {})).rejects.toThrow('SIGKILL');
    expect(store.tasks.get(withUrl.task_id)).toMatchObject({ status: 'completed', completed_at: T0 });
    expect(store.tasks.get(without.task_id)).toMatchObject({ status: 'failed' });
    expect([...store.webhookMarkers]).toEqual([[withUrl.task_id, T0]]);
    expect(store.webhookDeliveries.size).toBe(0);
  });

  it("is set by every kind of ending: fail, cancel, and the api's cancel of a queued task", async () => {
    const { store, killed, processingTask } = await setup();
    const failed = await processingTask();
    const cancelled = await processingTask();
    await killed.fail(failed, { error: { type: ErrorType.LLM_ERROR, message: 'x' } }, {}).catch(() => undefined);
    await killed.cancel(cancelled, {}, {}).catch(() => undefined);
    const queued = newTask({ task_id: randomUUID(), session_id: 's', task: 'x', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 't' }, now: T0, callback_url: 'https://example.com/h' });
    await store.repositories.tasks.create(queued);
    await killed.requestCancel(queued.task_id, {}).catch(() => undefined);
    expect(store.tasks.get(queued.task_id)?.status).toBe('cancelled');
    expect(new Set(store.webhookMarkers.keys())).toEqual(new Set([failed.task_id, cancelled.task_id, queued.task_id]));
  });

  it('is cleared by ended() once the delivery is recorded, and only for the ending that set it', async () => {
    const { store, queue, lifecycle, processingTask } = await setup();
    const task = await processingTask();
    const done = (await lifecycle.complete(task, { result, usage }, {}))!;
    expect(store.webhookMarkers.size).toBe(0);
    expect([...store.webhookDeliveries.keys()]).toEqual([webhookIdOf(done)]);
    expect(queue.scheduled).toEqual([{ webhookId: webhookIdOf(done), attempt: 1 }]);
    // Conditional on its value.
    store.webhookMarkers.set(task.task_id, T0);
    expect(await store.repositories.tasks.clearWebhookPending(task.task_id, new Date(T0.getTime() + 1))).toBe(false);
    expect(store.webhookMarkers.get(task.task_id)).toEqual(T0);
    expect(await store.repositories.tasks.clearWebhookPending(task.task_id, T0)).toBe(true);
    expect(store.webhookMarkers.size).toBe(0);
  });

  it('stays set when the delivery cannot be recorded (database down), for the sweep', async () => {
    const { store, lifecycle, records, processingTask } = await setup();
    const task = await processingTask();
    const original = store.repositories.webhookDeliveries.create;
    store.repositories.webhookDeliveries.create = async () => {
      throw new Error('connection refused');
    };
    try {
      expect(await lifecycle.complete(task, { result, usage }, {})).toMatchObject({ status: 'completed' });
    } finally {
      store.repositories.webhookDeliveries.create = original;
    }
    expect(store.webhookMarkers.get(task.task_id)).toEqual(T0);
    expect(records).toContainEqual(expect.objectContaining({ level: 'error', message: 'webhook delivery not recorded yet; the webhook sweep will record it', task_id: task.task_id }));
  });
});

describe('WebhookSweep and the marker', () => {
  it('records the delivery of an ending whose process died before recording it (same id, same body), then does nothing more', async () => {
    const { store, queue, killed, sweep, deliver, requests, processingTask, setNow, at } = await setup();
    const task = await processingTask();
    await killed.complete(task, { result, usage }, {}).catch(() => undefined);
    const ended = structuredClone(store.tasks.get(task.task_id)!);

    // Within the grace period the ending's own process may still be recording it: left alone.
    setNow(at(WEBHOOK_MARKER_GRACE_MS - 1));
    expect(await sweep.runOnce()).toEqual({ recovered: 0, scheduled: 0 });
    expect(store.webhookDeliveries.size).toBe(0);

    setNow(at(WEBHOOK_MARKER_GRACE_MS + 1));
    expect(await sweep.runOnce()).toEqual({ recovered: 1, scheduled: 1 });
    const id = webhookIdOf(ended);
    expect(store.webhookDeliveries.get(id)).toMatchObject({ webhook_id: id, task_id: task.task_id, event: 'task.completed', state: 'pending', attempts: [] });
    // The body is the task as GET /v1/tasks/{task_id} shows it, as ended() would have written it.
    expect(store.webhookDeliveries.get(id)!.body).toBe(webhookBody(ended));
    expect(JSON.parse(store.webhookDeliveries.get(id)!.body)).toMatchObject({ ...JSON.parse(JSON.stringify(presentTask(ended))) });
    expect(store.webhookMarkers.size).toBe(0);
    expect(queue.scheduled.map((s) => s.webhookId)).toEqual([id, id]); // record() then listDue: one Bull job (same job id)

    // Delivered with that id.
    expect(await deliver.run({ webhook_id: id, attempt: 1 })).toBe('delivered');
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([id]);
    expect(requests[0]!.body).toBe(webhookBody(ended));

    // A second sweep finds nothing to recover and nothing due.
    queue.scheduled.length = 0;
    setNow(at(2 * WEBHOOK_MARKER_GRACE_MS));
    expect(await sweep.runOnce()).toEqual({ recovered: 0, scheduled: 0 });
    expect(queue.scheduled).toEqual([]);
    expect(store.webhookDeliveries.size).toBe(1);
  });

  it('records nothing twice when the delivery exists but the marker was not cleared (killed between the two)', async () => {
    const { store, lifecycle, sweep, processingTask, setNow, at } = await setup();
    const task = await processingTask();
    const done = (await lifecycle.complete(task, { result, usage }, {}))!;
    store.webhookMarkers.set(task.task_id, done.completed_at!); // as if the clear never ran
    const before = structuredClone(store.webhookDeliveries.get(webhookIdOf(done)));
    setNow(at(WEBHOOK_MARKER_GRACE_MS + 1));
    expect(await sweep.runOnce()).toMatchObject({ recovered: 1 });
    expect([...store.webhookDeliveries.values()]).toEqual([before]);
    expect(store.webhookMarkers.size).toBe(0);
  });

  it("a retry first records the failed ending's delivery if its process died; the next ending gets a new id", async () => {
    const { store, killed, lifecycle, processingTask } = await setup();
    const task = await processingTask();
    await killed.fail(task, { error: { type: ErrorType.LLM_ERROR, message: 'upstream 500' } }, {}).catch(() => undefined);
    const failed = structuredClone(store.tasks.get(task.task_id)!);
    const requeued = await lifecycle.retryThen(task.task_id, [ErrorType.LLM_ERROR], async () => ({}));
    expect(requeued).toMatchObject({ status: 'queued' });
    expect(store.webhookMarkers.size).toBe(0);
    expect(store.webhookDeliveries.get(webhookIdOf(failed))).toMatchObject({ event: 'task.failed', body: webhookBody(failed) });

    await store.repositories.tasks.markProcessing(task.task_id, T0);
    const done = (await lifecycle.complete(requeued!, { result, usage }, {}))!;
    expect(webhookIdOf(done)).toBe(webhookIdOf(failed).replace(/_0$/, '_1'));
    expect([...store.webhookDeliveries.keys()]).toEqual([webhookIdOf(failed), webhookIdOf(done)]);
    expect(store.webhookMarkers.size).toBe(0);
  });

  it('a retry that cannot record the failed ending moves nothing (the marker and the failure stand)', async () => {
    const { store, killed, processingTask } = await setup();
    const task = await processingTask();
    await killed.fail(task, { error: { type: ErrorType.LLM_ERROR, message: 'upstream 500' } }, {}).catch(() => undefined);
    await expect(killed.retryThen(task.task_id, [ErrorType.LLM_ERROR], async () => ({}))).rejects.toThrow('SIGKILL');
    expect(store.tasks.get(task.task_id)?.status).toBe('failed');
    expect(store.webhookMarkers.has(task.task_id)).toBe(true);
  });
});
