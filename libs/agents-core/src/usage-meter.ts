/**
 * Per-task token and cost accounting, and the task's budget. The worker opens
 * one meter per task and runs the router and the agent inside it
 * (`runWithUsageMeter`); every LLM call made through `invokeStructured` /
 * `invokeText` finds it (AsyncLocalStorage), so agents need no change to be
 * metered: before a call the remaining budget is checked and the completion
 * capped to it, after the call its usage is added and compared.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BudgetExceededError, sumUsage, type ModelUsage, type TaskBudget } from '@agent-orchestrator/domain';

export class UsageMeter {
  private readonly calls: ModelUsage[] = [];
  private answeredAt: number | null = null;

  /**
   * `spent`: calls an earlier attempt of the task already paid for (a resumed task's checkpointed
   * steps), counted against the budget like the meter's own, so a crash cannot reset the budget.
   */
  constructor(
    readonly budget: TaskBudget | null = null,
    spent: readonly ModelUsage[] = [],
  ) {
    this.calls.push(...spent);
  }

  /** Every metered call so far, in order. */
  get usages(): readonly ModelUsage[] {
    return this.calls;
  }

  /**
   * When the last metered call's answer was read (epoch ms), or null before the first: where the window in
   * which a dying worker loses a paid answer starts (the worker measures it up to the step's checkpoint).
   */
  get lastAnswerAt(): number | null {
    return this.answeredAt;
  }

  /** Tokens still allowed; `null` without a token budget. */
  remainingTokens(): number | null {
    const max = this.budget?.max_tokens ?? null;
    return max === null ? null : max - sumUsage(this.calls).total_tokens;
  }

  /**
   * Before a call: throws BUDGET_EXCEEDED when nothing is left, else returns
   * the completion cap (the remaining tokens), or `undefined` without a token budget.
   */
  beforeCall(model: string): number | undefined {
    const remaining = this.remainingTokens();
    if (remaining !== null && remaining <= 0) {
      throw new BudgetExceededError(`The task's budget of ${this.budget?.max_tokens} tokens is used up; the call to ${model} was not made.`);
    }
    const maxCost = this.budget?.max_cost_usd ?? null;
    const spent = sumUsage(this.calls).cost_usd;
    // An unknown cost (a model without a price) cannot be kept under a cost budget: stop there too.
    if (maxCost !== null && (spent === null || spent >= maxCost)) {
      throw new BudgetExceededError(
        spent === null
          ? `The task's budget of $${maxCost} cannot be enforced: an earlier call's cost is unknown (no price); the call to ${model} was not made.`
          : `The task's budget of $${maxCost} is used up; the call to ${model} was not made.`,
      );
    }
    return remaining ?? undefined;
  }

  /** After a call: adds its usage (always, so what was spent is recorded), then throws BUDGET_EXCEEDED when past a limit. */
  record(usage: ModelUsage): void {
    this.answeredAt = Date.now();
    this.calls.push(usage);
    const total = sumUsage(this.calls);
    const maxTokens = this.budget?.max_tokens ?? null;
    if (maxTokens !== null && total.total_tokens > maxTokens) {
      throw new BudgetExceededError(`The task used ${total.total_tokens} tokens, over its budget of ${maxTokens} (last call: ${usage.model}).`);
    }
    const maxCost = this.budget?.max_cost_usd ?? null;
    if (maxCost !== null && total.cost_usd === null) {
      throw new BudgetExceededError(`The task's budget of $${maxCost} cannot be enforced: model ${usage.model} has no price (LLM_PRICES).`);
    }
    if (maxCost !== null && total.cost_usd !== null && total.cost_usd > maxCost) {
      throw new BudgetExceededError(`The task cost an estimated $${total.cost_usd}, over its budget of $${maxCost} (last call: ${usage.model}).`);
    }
  }
}

const storage = new AsyncLocalStorage<UsageMeter>();

/** Runs `work` with `meter` metering every LLM call made through agents-core inside it. */
export function runWithUsageMeter<T>(meter: UsageMeter, work: () => Promise<T>): Promise<T> {
  return storage.run(meter, work);
}

/** The meter of the task being run, if any. */
export function currentUsageMeter(): UsageMeter | undefined {
  return storage.getStore();
}
