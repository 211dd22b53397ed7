/**
 * The per-tenant limits on new submissions (TENANT_LIMITS): tasks in flight, and a daily token or
 * cost quota. Checked before anything is written, so a refused submission leaves nothing behind.
 *
 * Cheap: the daily quota reads the tenant's counter document by `_id` (`tday:<tenant>:<day>`); the
 * in-flight check is one count over the `{tenant_id, status}` index that stops at the cap.
 *
 * Race-tolerant, not exact: concurrent submissions all check before any of them is stored, so a
 * tenant can go over `max_tasks_in_flight` by at most the number of its submissions in flight at
 * once (across API processes); the daily quota is checked against usage already recorded, so the
 * tasks running when it is reached still finish and may spend past it (by at most their budgets).
 */
import { ErrorType, TenantLimitError, startOfNextUtcDay } from '@agent-orchestrator/domain';
import type { TaskCounterRepository, TaskRepository } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';

export interface TenantQuotaLimits {
  maxTasksInFlight?: number;
  dailyCostUsd?: number;
  dailyTokens?: number;
}

export interface TenantQuotaDeps {
  tasks: Pick<TaskRepository, 'countInFlight'>;
  counters: Pick<TaskCounterRepository, 'tenantDay'>;
  /** The limits of a tenant (the api passes TENANT_LIMITS). */
  limitsOf: (tenantId: string) => TenantQuotaLimits;
  now: () => Date;
}

/** Seconds a client is told to wait when its tenant has too many tasks in flight: one is likely to finish by then. */
export const IN_FLIGHT_RETRY_AFTER_SECONDS = 10;

const UNAVAILABLE = "The tenant's limits could not be checked because the database is unavailable. Try again shortly.";

export class TenantQuota {
  constructor(private readonly deps: TenantQuotaDeps) {}

  /** Resolves when the tenant may submit one more task. @throws TenantLimitError (429), ServiceUnavailableError */
  async check(tenantId: string): Promise<void> {
    const limits = this.deps.limitsOf(tenantId);
    const now = this.deps.now();
    const daily = limits.dailyCostUsd !== undefined || limits.dailyTokens !== undefined;
    const [inFlight, day] = await Promise.all([
      limits.maxTasksInFlight === undefined ? Promise.resolve(0) : fromStore(() => this.deps.tasks.countInFlight(tenantId, limits.maxTasksInFlight ?? 0), UNAVAILABLE),
      daily ? fromStore(() => this.deps.counters.tenantDay(tenantId, now), UNAVAILABLE) : Promise.resolve(null),
    ]);
    if (day) {
      const untilMidnight = Math.max(1, Math.ceil((startOfNextUtcDay(now).getTime() - now.getTime()) / 1000));
      const { total_tokens, cost_usd } = day.usage;
      if (limits.dailyTokens !== undefined && total_tokens >= limits.dailyTokens) {
        throw new TenantLimitError(ErrorType.QUOTA_EXCEEDED, `This tenant used its daily quota of ${limits.dailyTokens} tokens (${total_tokens} used today). New tasks are accepted again after midnight UTC.`, untilMidnight);
      }
      // An unknown day cost (a model without a price ran; the api refuses that configuration at boot) cannot trip the cap.
      if (limits.dailyCostUsd !== undefined && cost_usd !== null && cost_usd >= limits.dailyCostUsd) {
        throw new TenantLimitError(ErrorType.QUOTA_EXCEEDED, `This tenant spent its daily quota of $${limits.dailyCostUsd} (estimated $${cost_usd} today). New tasks are accepted again after midnight UTC.`, untilMidnight);
      }
    }
    if (limits.maxTasksInFlight !== undefined && inFlight >= limits.maxTasksInFlight) {
      throw new TenantLimitError(
        ErrorType.TENANT_TASK_LIMIT,
        `This tenant already has ${limits.maxTasksInFlight} tasks queued or processing, its limit. Submit again once one of them has finished.`,
        IN_FLIGHT_RETRY_AFTER_SECONDS,
      );
    }
  }
}
