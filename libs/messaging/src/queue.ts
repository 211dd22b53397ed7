import Queue from 'bull';
import { OrchestratorError, PROCESS_TASK_JOB, TASK_QUEUE_NAME, type ProcessTaskJob } from '@agent-orchestrator/domain';
import { fairTag } from './fair-queue';
import { REDIS_DISCONNECT_TIMEOUT_MS } from './redis';

export type TaskQueue = Queue.Queue<ProcessTaskJob>;
export type TaskJob = Queue.Job<ProcessTaskJob>;

export class QueueUnavailableError extends OrchestratorError {
  constructor(message: string, cause?: unknown) {
    super('SERVICE_UNAVAILABLE', message, { cause, retryable: true });
  }
}

export interface TaskQueueOptions {
  /** Attempts Bull makes when the processor itself throws (infrastructure failures). */
  attempts?: number;
  /** Fail fast instead of buffering commands while Redis is unreachable (the API wants this). */
  failFast?: boolean;
  /** Bull's key prefix (default `bull`); producer and consumer must agree. Tests use their own to share a Redis. */
  prefix?: string;
  /**
   * Stalled-job detection (the consumer's side). A worker holds a lock on each job it runs and renews it every
   * lockDuration / 2; a job whose lock expired (the worker died or hung) is found by any worker's check every
   * stalledInterval and put back to wait, up to maxStalledCount times, after which Bull fails it (the worker's
   * reconciler then re-enqueues the task while its deadline allows).
   */
  stalled?: { lockDurationMs: number; stalledIntervalMs: number; maxStalledCount: number };
}

/**
 * Redis connection options for Bull. Bull reads host, port, password and db
 * from the URL but ignores its scheme, so TLS is switched on here for
 * rediss:// (ElastiCache/Valkey with in-transit encryption).
 */
export function queueRedisOptions(redisUrl: string, options: Pick<TaskQueueOptions, 'failFast'> = {}): Queue.QueueOptions['redis'] {
  return {
    connectTimeout: 5000,
    disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS,
    ...(new URL(redisUrl).protocol === 'rediss:' ? { tls: {} } : {}),
    ...(options.failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : {}),
  };
}

/** The `agent_tasks` Bull queue, shared by the producer (api) and the consumer (worker). */
export function createTaskQueue(redisUrl: string, options: TaskQueueOptions = {}): TaskQueue {
  return new Queue<ProcessTaskJob>(TASK_QUEUE_NAME, redisUrl, {
    ...(options.prefix ? { prefix: options.prefix } : {}),
    redis: queueRedisOptions(redisUrl, options),
    ...(options.stalled
      ? { settings: { lockDuration: options.stalled.lockDurationMs, stalledInterval: options.stalled.stalledIntervalMs, maxStalledCount: options.stalled.maxStalledCount } }
      : {}),
    defaultJobOptions: {
      attempts: options.attempts ?? 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 5000,
    },
  });
}

/** Rejects after `ms` with a QueueUnavailableError; Bull would otherwise wait for Redis indefinitely. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`${what} timed out after ${ms} ms: Redis is unreachable`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How a job is placed: for which tenant, and whether fair queuing orders it (docs/fair-queuing.md). */
export interface EnqueueTaskOptions {
  /** The task's tenant, kept in the job (the worker logs it at pickup). */
  tenant?: string;
  /**
   * Fair queuing: the job's Bull priority is its tenant's virtual-time tag (fair-queue.ts), so a
   * tenant's backlog cannot starve another tenant. Off: plain first in, first out. Every process
   * that enqueues must agree (FAIR_QUEUE_ENABLED).
   */
  fair?: boolean;
}

/** Enqueues `process_task` for a task; the job id is the task id, so enqueuing twice is harmless. */
export async function enqueueTask(queue: TaskQueue, taskId: string, timeoutMs = 5000, options: EnqueueTaskOptions = {}): Promise<void> {
  const { tenant, fair = false } = options;
  const data: ProcessTaskJob = tenant === undefined ? { task_id: taskId } : { task_id: taskId, tenant };
  const add = async (): Promise<void> => {
    if (!fair) {
      await queue.add(PROCESS_TASK_JOB, data, { jobId: taskId });
      return;
    }
    const priority = await fairTag(queue, taskId, tenant ?? '');
    // 0: the job exists already; Bull would ignore the add anyway.
    if (priority > 0) await queue.add(PROCESS_TASK_JOB, data, { jobId: taskId, priority });
  };
  try {
    await withTimeout(add(), timeoutMs, 'Enqueueing the task');
  } catch (err) {
    if (err instanceof QueueUnavailableError) throw err;
    throw new QueueUnavailableError(`Could not enqueue the task: ${(err as Error).message}`, err);
  }
}

/** True when Redis answers a PING within `timeoutMs`. */
export async function pingQueue(queue: TaskQueue, timeoutMs = 2000): Promise<boolean> {
  try {
    await withTimeout(queue.isReady(), timeoutMs, 'Connecting to Redis');
    return (await withTimeout(queue.client.ping(), timeoutMs, 'PING')) === 'PONG';
  } catch {
    return false;
  }
}
