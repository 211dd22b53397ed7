/**
 * The Bull adapter of the webhook ports (`WebhookQueue`, `WebhookConsumer` in
 * @agent-orchestrator/tasks): the `webhook_deliveries` queue, one `deliver_webhook` job per attempt
 * of a delivery, job id `<webhook_id>.<attempt>` (so the same attempt scheduled twice is one job),
 * delayed until the attempt is due. Bull runs each job once (attempts 1): the schedule of retries is
 * the delivery's own (DeliverWebhook), and the jobs leave Redis when done so the sweep can schedule
 * an attempt again if its record says it was never made. A job whose worker died is taken over by
 * another worker's stalled-job check, as for tasks.
 */
import Queue from 'bull';
import { DELIVER_WEBHOOK_JOB, WEBHOOK_QUEUE_NAME, type DeliverWebhookJob } from '@agent-orchestrator/domain';
import type { Logger, WebhookConsumer, WebhookJob, WebhookQueue } from '@agent-orchestrator/tasks';
import { pauseLocally } from './local-pause';
import { QueueUnavailableError, queueRedisOptions, withTimeout, type TaskQueueOptions } from './queue';

export interface BullWebhookQueueOptions extends Pick<TaskQueueOptions, 'prefix' | 'stalled'> {
  logger?: Pick<Logger, 'warn' | 'error'>;
  /** Longest wait for Redis when scheduling. Default 5000 ms. */
  timeoutMs?: number;
}

type WebhookJobData = DeliverWebhookJob & { attempt: number };

export class BullWebhookQueue implements WebhookQueue, WebhookConsumer {
  readonly queue: Queue.Queue<WebhookJobData>;
  private readonly timeoutMs: number;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    redisUrl: string,
    private readonly options: BullWebhookQueueOptions = {},
  ) {
    const { stalled } = options;
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE_NAME, redisUrl, {
      ...(options.prefix ? { prefix: options.prefix } : {}),
      redis: queueRedisOptions(redisUrl),
      ...(stalled
        ? { settings: { lockDuration: stalled.lockDurationMs, stalledInterval: stalled.stalledIntervalMs, maxStalledCount: stalled.maxStalledCount } }
        : {}),
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
    });
    this.timeoutMs = options.timeoutMs ?? 5000;
    const logger = options.logger;
    if (logger) this.queue.on('error', (err) => logger.error('webhook queue error', { error_message: err.message }));
  }

  async schedule(webhookId: string, attempt: number, delayMs: number): Promise<void> {
    try {
      await withTimeout(
        this.queue.add(DELIVER_WEBHOOK_JOB, { webhook_id: webhookId, attempt }, { jobId: `${webhookId}.${attempt}`, delay: Math.max(0, Math.round(delayMs)) }),
        this.timeoutMs,
        'Scheduling the webhook',
      );
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      throw new QueueUnavailableError(`Could not schedule the webhook: ${(err as Error).message}`, err);
    }
  }

  async consume(handler: (job: WebhookJob) => Promise<unknown>, options: { concurrency: number }): Promise<void> {
    void this.queue.process(DELIVER_WEBHOOK_JOB, options.concurrency, async (job) => {
      const { webhook_id, attempt } = job.data ?? ({} as Partial<WebhookJobData>);
      if (typeof webhook_id !== 'string' || typeof attempt !== 'number') {
        this.options.logger?.warn('discarding malformed webhook job', { job_id: String(job.id) });
        return 'malformed';
      }
      const run = handler({ webhook_id, attempt });
      this.running.add(run);
      return run.finally(() => this.running.delete(run));
    });
    await this.queue.isReady();
  }

  async ready(): Promise<void> {
    await this.queue.isReady();
  }

  /** Takes no new job here; resolves when the running ones are done (Redis gone: still waits for them). */
  pause(): Promise<void> {
    return pauseLocally(this.queue, this.running, 'webhook queue', this.options.logger);
  }

  async close(force = false): Promise<void> {
    await this.queue.close(force);
  }
}
