/**
 * Group commit of `process_task` enqueues: the enqueues asked for in one event-loop turn go to Redis
 * together, in submission order, instead of one round trip (two with fair queuing) each:
 * - fair queuing on: the tags of all of them in one script call (`fairTags`, fair-queue.ts: the tag
 *   each would get one by one), then one `addBulk` of the jobs whose tag is not 0 (0: the job exists
 *   already, or is earlier in the batch: the add would be a no-op);
 * - off: one `addBulk`.
 * Jobs and priorities are exactly those the one-by-one `enqueueTask` gives (same job id = task id,
 * same default job options, tags taken in the same order). A batch leaves at the end of the turn it
 * was formed in (`setImmediate`, no timer) or at once past `MAX_ENQUEUE_BATCH`.
 *
 * Each caller's promise is bounded by its own `timeoutMs` (QueueUnavailableError past it, as
 * `enqueueTask`) and settles with its own outcome: its job added (or already there; a second enqueue
 * of a job in the same batch is told so at once), or an error: its add did not come back with a job
 * id, or the whole batch failed (Redis down: every caller of the batch hears it). A caller told "failed" may still find its job added (a timeout
 * after Redis took it): harmless, since the job id is the task id.
 */
import { PROCESS_TASK_JOB, TurnBatch, type ProcessTaskJob } from '@agent-orchestrator/domain';
import { fairTags } from './fair-queue';
import { QueueUnavailableError, withTimeout, type TaskQueue } from './queue';

/** Past this many enqueues a batch is sent at once. */
export const MAX_ENQUEUE_BATCH = 128;

interface Waiting {
  taskId: string;
  data: ProcessTaskJob;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class EnqueueBatcher {
  private readonly batch: TurnBatch<Waiting>;

  constructor(
    private readonly queue: TaskQueue,
    private readonly options: { fair: boolean; timeoutMs: number; maxBatch?: number },
  ) {
    this.batch = new TurnBatch((waiting) => this.send(waiting), options.maxBatch ?? MAX_ENQUEUE_BATCH);
  }

  /** Enqueues `process_task` for the task (job id = task id). @throws QueueUnavailableError */
  async enqueue(taskId: string, tenant?: string): Promise<void> {
    const data: ProcessTaskJob = tenant === undefined ? { task_id: taskId } : { task_id: taskId, tenant };
    const added = new Promise<void>((resolve, reject) => this.batch.add({ taskId, data, resolve, reject }));
    try {
      await withTimeout(added, this.options.timeoutMs, 'Enqueueing the task');
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      throw new QueueUnavailableError(`Could not enqueue the task: ${(err as Error).message}`, err);
    }
  }

  private send(batch: Waiting[]): void {
    this.add(batch).catch((err: unknown) => {
      for (const w of batch) w.reject(err);
    });
  }

  private async add(batch: Waiting[]): Promise<void> {
    let toAdd: { waiting: Waiting; priority?: number }[] = batch.map((waiting) => ({ waiting }));
    if (this.options.fair) {
      const tags = await fairTags(
        this.queue,
        batch.map((w) => ({ jobId: w.taskId, tenant: w.data.tenant ?? '' })),
      );
      toAdd = [];
      batch.forEach((waiting, i) => {
        const tag = tags[i] ?? 0;
        // 0: the job exists already (or is earlier in the batch); Bull would ignore the add anyway.
        if (tag === 0) waiting.resolve();
        else toAdd.push({ waiting, priority: tag });
      });
    }
    if (toAdd.length === 0) return;
    const jobs = await this.queue.addBulk(
      toAdd.map(({ waiting, priority }) => ({
        name: PROCESS_TASK_JOB,
        data: waiting.data,
        opts: { jobId: waiting.taskId, ...(priority === undefined ? {} : { priority }) },
      })),
    );
    toAdd.forEach(({ waiting }, i) => {
      // Bull's addBulk does not throw for one failed add: its job comes back without an id.
      if (jobs[i]?.id === undefined || jobs[i]?.id === null) waiting.reject(new Error('Redis did not add the job'));
      else waiting.resolve();
    });
  }
}
