/**
 * The task queue as the use cases see it. One job per task, whose id is the
 * task id, so a second enqueue of a task that has a job is harmless. The Bull
 * adapter lives in the messaging lib; an in-memory one in `@agent-orchestrator/tasks/testing`.
 */

/** Where a task's job is. `missing`: no job (never enqueued, or removed). */
export type JobState = 'waiting' | 'delayed' | 'active' | 'paused' | 'completed' | 'failed' | 'stuck' | 'missing';

/** States in which the queue will still run (or is running) the job. Anything else means nobody will. */
export const LIVE_JOB_STATES: ReadonlySet<JobState> = new Set<JobState>(['waiting', 'delayed', 'active', 'paused']);

/** Jobs by state. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  paused: number;
}

/** What removing a job did. `locked`: a worker runs it, so it stays. */
export type RemoveOutcome = 'removed' | 'missing' | 'locked';

/** What the queue needs to know about a task to place its job. */
export interface EnqueueOptions {
  /**
   * The task's tenant (`task.tenant_id` of the domain). With fair queuing on, waiting jobs are
   * ordered so that a tenant's backlog cannot starve another tenant's tasks (docs/fair-queuing.md).
   */
  tenant: string;
}

/** The producer's and the reconciler's side of the queue. */
export interface TaskQueue {
  /**
   * Puts `process_task` for the task on the queue (job id = task id). Rejects
   * with a SERVICE_UNAVAILABLE error (retryable) when the queue does not
   * answer in time; a job that already exists for the task is left as it is.
   */
  enqueue(taskId: string, options: EnqueueOptions): Promise<void>;
  /** The state of the task's job. */
  jobState(taskId: string): Promise<JobState>;
  /** Removes the task's job unless a worker holds it. */
  remove(taskId: string): Promise<RemoveOutcome>;
  /** Jobs by state. */
  counts(): Promise<QueueCounts>;
}

/** One delivery of a task's job to a consumer. */
export interface TaskDelivery {
  task_id: string;
  /** The tenant the job was enqueued for; absent on jobs added before tenants. */
  tenant?: string;
  /** 1 for the queue's first delivery of this job, then 2, 3... (redeliveries after a thrown error). */
  delivery: number;
}

/**
 * A delivery the handler threw on (or the queue gave up on, e.g. a job stalled too often): the queue
 * runs it again while `willRetry`. `task_id` is '' for a job whose payload carries no task id.
 */
export interface FailedDelivery extends TaskDelivery {
  willRetry: boolean;
  maxDeliveries: number;
  error: Error;
}

export interface ConsumeOptions {
  /** Jobs run at once by this consumer. */
  concurrency: number;
  /** Told about every delivery whose handler threw. Must not throw. */
  onFailed?: (failed: FailedDelivery) => void;
}

/** The worker's side: runs a handler for each job, `concurrency` at a time. */
export interface TaskConsumer {
  /**
   * Starts taking jobs. A handler that throws fails the delivery; the queue
   * delivers the job again up to its attempts. A job whose payload is not a
   * task id never reaches the handler.
   */
  consume(handler: (delivery: TaskDelivery) => Promise<unknown>, options: ConsumeOptions): Promise<void>;
  /** Stops taking new jobs; resolves when the running ones are done. */
  pause(): Promise<void>;
}
