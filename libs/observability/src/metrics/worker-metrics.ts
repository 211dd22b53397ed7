import type { Registry as MetricsRegistry } from 'prom-client';
import type { Logger } from '../logger';
import type { TaskEventSink } from '../task-events';
import { LlmMetrics } from './llm-metrics';
import { createMetricsRegistry } from './metrics-registry';
import { METRICS_PATH, startMetricsServer, type MetricsServer } from './metrics-server';
import { InFlightJobs, queueJobCounts, registerQueueMetrics, registerTenantWaitingMetrics, type CountableQueue, type TenantWaitingSource } from './queue-metrics';
import { TaskMetrics, taskMetricsSink } from './task-metrics';
import { WebhookMetrics } from './webhook-metrics';

/** Bound on each Redis read for queue counts (a scrape or a "queue depth" line), so a Redis outage never hangs them. */
const QUEUE_COUNTS_TIMEOUT_MS = 1000;

/** What WorkerMetrics reads of the worker's settings (a WorkerConfig has this shape). */
export interface WorkerMetricsOptions {
  /** `token`: METRICS_TOKEN; when set, scrapes of the listener need `Authorization: Bearer <token>`. */
  metrics: { enabled: boolean; port: number; host: string; token?: string };
  /** Every this many ms, a "queue depth" log line; 0: never. */
  queueDepthLogIntervalMs: number;
  environment: string;
}

/**
 * The worker's observability: its Prometheus registry (process, task, LLM,
 * web search, queue and in-flight metrics), the listener serving it, and the
 * periodic "queue depth" log line CloudWatch turns into QueueWaiting.
 */
export class WorkerMetrics {
  readonly registry: MetricsRegistry;
  readonly llm: LlmMetrics;
  readonly inFlight: InFlightJobs;
  /** Webhook deliveries and attempts (the WebhookObserver of the delivery use case). */
  readonly webhooks: WebhookMetrics;
  /** Add to the worker's TaskEventLog: task outcomes and timings. */
  readonly taskSink: TaskEventSink;
  private server: MetricsServer | null = null;
  private depthTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: WorkerMetricsOptions,
    private readonly logger: Logger,
  ) {
    this.registry = createMetricsRegistry('worker');
    this.llm = new LlmMetrics(this.registry);
    this.inFlight = new InFlightJobs(this.registry);
    this.webhooks = new WebhookMetrics(this.registry);
    this.taskSink = taskMetricsSink(new TaskMetrics(this.registry));
  }

  /** The listener's port once started (the real one when configured as 0); null when off or not listening. */
  get port(): number | null {
    return this.server?.port ?? null;
  }

  /**
   * Adds the queue gauges (`tenants`: the per-tenant waiting gauge of fair queuing), starts the
   * listener and the queue depth line. A port already in use is logged, not fatal: the worker
   * still does its work.
   */
  async start(queue: CountableQueue, tenants?: TenantWaitingSource): Promise<void> {
    registerQueueMetrics(this.registry, queue, { timeoutMs: QUEUE_COUNTS_TIMEOUT_MS });
    if (tenants) registerTenantWaitingMetrics(this.registry, tenants, { timeoutMs: QUEUE_COUNTS_TIMEOUT_MS });
    if (this.config.metrics.enabled) {
      const { port, host, token } = this.config.metrics;
      try {
        this.server = await startMetricsServer({ registry: this.registry, port, host, token });
        this.logger.info('metrics listening', { host, port: this.server.port, path: METRICS_PATH, scrapes_need_bearer: token !== undefined });
      } catch (err) {
        this.logger.error('metrics listener could not start; the worker runs without it (set WORKER_METRICS_PORT or WORKER_METRICS_ENABLED=false)', {
          host,
          port,
          error_message: err instanceof Error ? err.message : String(err),
        });
      }
    }
    if (this.config.queueDepthLogIntervalMs > 0) {
      let busy = false;
      this.depthTimer = setInterval(() => {
        if (busy) return;
        busy = true;
        void this.logQueueDepth(queue).finally(() => (busy = false));
      }, this.config.queueDepthLogIntervalMs);
      this.depthTimer.unref();
    }
  }

  /** One "queue depth" line: numeric `queue_waiting`, `queue_active`, `queue_delayed`, `queue_failed` (the CloudWatch metric filter reads them). */
  async logQueueDepth(queue: CountableQueue): Promise<void> {
    try {
      const counts = await queueJobCounts(queue, QUEUE_COUNTS_TIMEOUT_MS);
      this.logger.info('queue depth', {
        environment: this.config.environment,
        queue_waiting: counts.waiting,
        queue_active: counts.active,
        queue_delayed: counts.delayed,
        queue_failed: counts.failed,
        queue_paused: counts.paused,
      });
    } catch (err) {
      this.logger.warn('queue depth unavailable', { error_message: err instanceof Error ? err.message : String(err) });
    }
  }

  async stop(): Promise<void> {
    if (this.depthTimer) clearInterval(this.depthTimer);
    this.depthTimer = null;
    await this.server?.close();
    this.server = null;
  }
}
