import { randomUUID } from 'node:crypto';
import { newTask, utcDayKey, type TaskStatus } from '@agent-orchestrator/domain';
import { InMemoryStore } from '@agent-orchestrator/persistence/testing';
import { TenantQuota } from './tenant-quota';
import { GetTenantUsage } from './tenant-usage.query';

const NOW = new Date(Date.UTC(2030, 0, 1, 23, 59, 0));

function put(store: InMemoryStore, tenant: string, status: TaskStatus): void {
  const task = newTask({ task_id: randomUUID(), tenant_id: tenant, session_id: 's', task: 't', metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' }, now: NOW });
  store.tasks.set(task.task_id, { ...task, status });
}

async function spend(store: InMemoryStore, tenant: string, tokens: number, cost: number | null): Promise<void> {
  const totals = { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens, cost_usd: cost };
  await store.repositories.taskCounters.increment([{ day: utcDayKey(NOW), at: NOW, tenant, usage: { agent_name: 'A', totals, by_model: [{ model: 'm', ...totals }] } }]);
}

describe('TenantQuota', () => {
  const quota = (store: InMemoryStore, limits: object) => new TenantQuota({ tasks: store.repositories.tasks, counters: store.repositories.taskCounters, limitsOf: () => limits, now: () => NOW });

  it('lets a submission through under every limit, reading nothing when there are none', async () => {
    const store = new InMemoryStore();
    await expect(quota(store, {}).check('acme')).resolves.toBeUndefined();
    expect(store.calls).toEqual([]);
  });

  it("refuses with TENANT_TASK_LIMIT once the tenant's queued and processing tasks reach the cap (other tenants' and finished ones not counted)", async () => {
    const store = new InMemoryStore();
    put(store, 'acme', 'queued');
    put(store, 'acme', 'completed');
    put(store, 'globex', 'processing');
    await expect(quota(store, { maxTasksInFlight: 2 }).check('acme')).resolves.toBeUndefined();
    put(store, 'acme', 'processing');
    await expect(quota(store, { maxTasksInFlight: 2 }).check('acme')).rejects.toMatchObject({ type: 'TENANT_TASK_LIMIT', retryAfterSeconds: 10 });
  });

  it('refuses with QUOTA_EXCEEDED once the daily tokens or cost are spent, until midnight UTC', async () => {
    const store = new InMemoryStore();
    await spend(store, 'acme', 99, 0.5);
    await spend(store, 'globex', 1000, 100);
    await expect(quota(store, { dailyTokens: 100, dailyCostUsd: 1 }).check('acme')).resolves.toBeUndefined();
    await spend(store, 'acme', 1, 0);
    await expect(quota(store, { dailyTokens: 100 }).check('acme')).rejects.toMatchObject({ type: 'QUOTA_EXCEEDED', retryAfterSeconds: 60 });
    await spend(store, 'acme', 0, 0.5);
    await expect(quota(store, { dailyCostUsd: 1 }).check('acme')).rejects.toMatchObject({ type: 'QUOTA_EXCEEDED', message: expect.stringContaining('$1') });
  });

  it("an unknown day cost (a model without a price ran) neither trips the cost cap nor hides the token cap", async () => {
    const store = new InMemoryStore();
    await spend(store, 'acme', 50, 5);
    await spend(store, 'acme', 50, null);
    await expect(quota(store, { dailyCostUsd: 1 }).check('acme')).resolves.toBeUndefined();
    await expect(quota(store, { dailyCostUsd: 1, dailyTokens: 100 }).check('acme')).rejects.toMatchObject({ type: 'QUOTA_EXCEEDED' });
    await expect(new GetTenantUsage({ tasks: store.repositories.tasks, counters: store.repositories.taskCounters, limitsOf: () => ({ requestsPerMinute: 0 }), now: () => NOW }).execute('acme')).resolves.toMatchObject({
      usage: { total_tokens: 100, cost_usd: null },
    });
  });

  it('answers SERVICE_UNAVAILABLE when the database is down', async () => {
    const store = new InMemoryStore();
    store.down = true;
    await expect(quota(store, { maxTasksInFlight: 1 }).check('acme')).rejects.toMatchObject({ type: 'SERVICE_UNAVAILABLE' });
  });
});

describe('GetTenantUsage', () => {
  it("shows the tenant's own day, limits and tasks in flight", async () => {
    const store = new InMemoryStore();
    put(store, 'acme', 'queued');
    await spend(store, 'acme', 30, 0.25);
    await spend(store, 'globex', 1000, 9);
    const usage = new GetTenantUsage({ tasks: store.repositories.tasks, counters: store.repositories.taskCounters, limitsOf: () => ({ requestsPerMinute: 0, maxTasksInFlight: 5, dailyTokens: 1000 }), now: () => NOW });
    expect(await usage.execute('acme')).toEqual({
      tenant_id: 'acme',
      day_start: new Date(Date.UTC(2030, 0, 1)),
      tasks_by_status: { queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0 },
      usage: { prompt_tokens: 30, completion_tokens: 0, total_tokens: 30, cost_usd: 0.25 },
      limits: { requests_per_minute: null, max_tasks_in_flight: 5, daily_tokens: 1000, daily_cost_usd: null },
      tasks_in_flight: 1,
    });
  });
});
