/**
 * A tenant's own figures of today (GET /v1/usage): tokens and estimated cost, tasks created today
 * by status, and its limits with what is left. From the tenant's running counters (one read by
 * `_id`) plus, when a cap is set, the in-flight count the cap is checked against.
 */
import { TASK_STATUSES, startOfUtcDay, type TaskStatus } from '@agent-orchestrator/domain';
import type { TaskCounterRepository, TaskRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import type { TenantQuotaLimits } from './tenant-quota';

export interface TenantUsageView {
  tenant_id: string;
  day_start: Date;
  tasks_by_status: Record<TaskStatus, number>;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; cost_usd: number | null };
  limits: {
    requests_per_minute: number | null;
    max_tasks_in_flight: number | null;
    daily_tokens: number | null;
    daily_cost_usd: number | null;
  };
  /** Tasks queued or processing now, counted up to the cap (null without a cap). */
  tasks_in_flight: number | null;
}

export interface TenantUsageDeps {
  tasks: Pick<TaskRepository, 'countInFlight'>;
  counters: Pick<TaskCounterRepository, 'tenantDay'>;
  limitsOf: (tenantId: string) => TenantQuotaLimits & { requestsPerMinute?: number };
  now: () => Date;
}

const UNAVAILABLE = "The tenant's usage could not be read because the database is unavailable. Try again shortly.";

export class GetTenantUsage {
  constructor(private readonly deps: TenantUsageDeps) {}

  async execute(tenantId: string): Promise<TenantUsageView> {
    const now = this.deps.now();
    const limits = this.deps.limitsOf(tenantId);
    const cap = limits.maxTasksInFlight;
    const [day, inFlight] = await Promise.all([
      fromStore(() => this.deps.counters.tenantDay(tenantId, now), UNAVAILABLE),
      cap === undefined ? Promise.resolve(null) : fromStore(() => this.deps.tasks.countInFlight(tenantId, cap), UNAVAILABLE),
    ]);
    const { prompt_tokens, completion_tokens, total_tokens, cost_usd } = day.usage;
    return {
      tenant_id: tenantId,
      day_start: startOfUtcDay(now),
      tasks_by_status: Object.fromEntries(TASK_STATUSES.map((s) => [s, day.tasks.created_by_status[s] ?? 0])) as Record<TaskStatus, number>,
      usage: { prompt_tokens, completion_tokens, total_tokens, cost_usd },
      limits: {
        requests_per_minute: limits.requestsPerMinute === undefined || limits.requestsPerMinute === 0 ? null : limits.requestsPerMinute,
        max_tasks_in_flight: cap ?? null,
        daily_tokens: limits.dailyTokens ?? null,
        daily_cost_usd: limits.dailyCostUsd ?? null,
      },
      tasks_in_flight: inFlight,
    };
  }
}
