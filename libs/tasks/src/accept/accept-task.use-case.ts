import { randomUUID } from 'node:crypto';
import { DEFAULT_TENANT, ValidationError, newTask, sessionKey, type Task, type TaskMetadata } from '@agent-orchestrator/domain';
import type { Repositories } from '@agent-orchestrator/persistence';
import type { TaskLifecycle } from '../lifecycle/task-lifecycle';
import type { Logger } from '../ports/logger.port';
import type { TaskQueue } from '../ports/task-queue.port';
import { storeError } from '../support/store-error';
import type { TenantQuota } from '../tenancy/tenant-quota';
import type { CallbackPolicy } from '../webhooks/callback-policy';

/** A task as a client submits it (validated and trimmed by the caller). */
export interface TaskSubmission {
  task: string;
  session_id?: string;
  /** Token budget of the whole task (router and agent calls together). */
  max_tokens?: number;
  /** Cost budget of the whole task, in estimated US dollars. */
  max_cost_usd?: number;
  /** Where the final task is POSTed (checked by `callbacks`); absent: the key's default, if any. */
  callback_url?: string;
}

/** Where the request came from, stored on the task. */
export type RequestOrigin = Omit<TaskMetadata, 'environment'>;

export interface AcceptTaskDeps {
  repositories: Pick<Repositories, 'tasks' | 'sessions' | 'messages'>;
  queue: Pick<TaskQueue, 'enqueue'>;
  lifecycle: Pick<TaskLifecycle, 'accepted'>;
  now: () => Date;
  environment: string;
  newId?: () => string;
  /**
   * Configured models the price table cannot price: a `max_cost_usd` budget is refused (400) while
   * there is one, since the cost of their calls is unknown and the budget could never trip.
   */
  unpricedModels?: readonly string[];
  /** The tenant's limits on new tasks (TENANT_LIMITS), checked before anything is written; none when absent. */
  quota?: Pick<TenantQuota, 'check'>;
  /** Resolves and checks the task's callback URL (webhooks); without it a `callback_url` is refused. */
  callbacks?: Pick<CallbackPolicy, 'resolve'>;
}

export const NOT_STORED_MESSAGE = 'The task could not be stored because the database is unavailable. Try again shortly.';

/**
 * Accepts a task: stores the session and the user's message (concurrently), then the task as `queued`, then
 * enqueues it. Accepted means durable: once those three writes are in MongoDB the answer is
 * "accepted" (202), even when the enqueue fails or times out. Such a task stays `queued` without
 * a job, and the worker's reconciler enqueues it after its grace period (job id = task id, so a
 * late duplicate enqueue is harmless).
 *
 * The task insert is the last write and the single commit point. A failure before it leaves no
 * task at all (at most a session count bumped and a user message with no task behind it), so the
 * client's 503 means "not accepted" without exception: nothing runs next to the client's
 * resubmission, and there is no clean-up that could itself fail. (The task used to be inserted
 * first and marked failed when the session or message write failed; when that mark failed too,
 * the task stayed `queued` and the reconciler ran it while the client resubmitted.)
 */
export class AcceptTask {
  private readonly newId: () => string;

  constructor(private readonly deps: AcceptTaskDeps) {
    this.newId = deps.newId ?? randomUUID;
  }

  /**
   * `options.taskId`: the id to create the task with (an Idempotency-Key reserves it first); default a new UUID.
   * `options.tenantId`: the owner (default: the default tenant); its session is `sessionKey(tenant, session_id)`.
   * @throws ValidationError, TenantLimitError (429), ServiceUnavailableError
   */
  async execute(input: TaskSubmission, origin: RequestOrigin, logger: Logger, options: { taskId?: string; tenantId?: string } = {}): Promise<Task> {
    const tenantId = options.tenantId ?? DEFAULT_TENANT;
    const { repositories, environment, unpricedModels = [] } = this.deps;
    if (input.max_cost_usd !== undefined && unpricedModels.length > 0) {
      const names = unpricedModels.join(', ');
      throw new ValidationError(`max_cost_usd cannot be enforced: the configured model${unpricedModels.length > 1 ? 's' : ''} ${names} ha${unpricedModels.length > 1 ? 've' : 's'} no price. Add ${unpricedModels.length > 1 ? 'them' : 'it'} to LLM_PRICES or submit without max_cost_usd.`, [
        { field: 'max_cost_usd', message: `no price for ${names}` },
      ]);
    }
    // Input first (a 400 costs no I/O), then the tenant's limits (429), before anything is written.
    let callback_url: string | null = null;
    if (this.deps.callbacks) callback_url = this.deps.callbacks.resolve(input.callback_url, origin.api_key_id);
    else if (input.callback_url !== undefined) throw new ValidationError('callback_url is not supported by this deployment.', [{ field: 'callback_url', message: 'webhooks are not configured' }]);
    await this.deps.quota?.check(tenantId);
    const now = this.deps.now();
    const task = newTask({
      task_id: options.taskId ?? this.newId(),
      tenant_id: tenantId,
      session_id: input.session_id ?? this.newId(),
      task: input.task,
      metadata: { ...origin, environment },
      now,
      budget: input.max_tokens === undefined && input.max_cost_usd === undefined ? null : { max_tokens: input.max_tokens ?? null, max_cost_usd: input.max_cost_usd ?? null },
      callback_url,
    });

    try {
      // Independent writes, issued together; both settle before the commit point.
      const messageId = this.newId();
      // The tenant's own session: the same session_id from another tenant is another document.
      const session = sessionKey(tenantId, task.session_id);
      // The turn goes into the session's recent slice, from which the worker reads the context.
      const turn = { task_id: task.task_id, message_id: messageId, created_at: now };
      await settleAll([
        // A session id made up here is new: an insert, sent with the other requests' inserts (group commit).
        input.session_id === undefined ? repositories.sessions.start(session, now, turn) : repositories.sessions.touch(session, now, turn),
        repositories.messages.append({
          message_id: messageId,
          session_id: session,
          task_id: task.task_id,
          role: 'user',
          content: task.task,
          agent_name: null,
          created_at: now,
        }),
      ]);
      // The commit point: from here on the task exists and is the reconciler's if the enqueue fails.
      await repositories.tasks.create(task);
    } catch (err) {
      throw storeError(err, NOT_STORED_MESSAGE);
    }
    let enqueued = true;
    try {
      await this.deps.queue.enqueue(task.task_id, { tenant: task.tenant_id });
    } catch (err) {
      // Stored is accepted: the reconciler in the worker enqueues queued tasks that have no job.
      enqueued = false;
      // The child logger is made here, on the rare path that logs, not for every accepted task.
      logger.child({ task_id: task.task_id, session_id: task.session_id }).warn('task stored but not enqueued; it stays queued for the reconciler', { err });
    }
    this.deps.lifecycle.accepted(task, { api_key_id: task.metadata.api_key_id ?? null, task_length: task.task.length, enqueued });
    return task;
  }
}

/**
 * Waits for every write, then throws the first failure: the task insert never starts while one of
 * them may still be in flight (a plain Promise.all would reject early and leave the other running).
 */
async function settleAll(writes: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
