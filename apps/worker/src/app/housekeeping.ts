/**
 * The worker's periodic chores, scheduled: the queue sample of the metrics
 * history (every METRICS_SNAPSHOT_INTERVAL_MS, taken by the worker that claims
 * the interval) and the hourly retention purge. The chores themselves are use cases of
 * @agent-orchestrator/tasks.
 */
import type { MongoStore } from '@agent-orchestrator/persistence';
import type { WorkerConfig } from '@agent-orchestrator/config';
import type { Logger } from '@agent-orchestrator/observability';
import { PURGE_INTERVAL_MS, PeriodicTask, purgeExpired, takeMetricsSnapshot, type Claims, type SnapshotDeps } from '@agent-orchestrator/tasks';

export interface Housekeeping {
  stop(): Promise<void>;
}

export interface HousekeepingDeps {
  config: Pick<WorkerConfig, 'metricsSnapshots' | 'taskEventStore' | 'stream'>;
  store: Pick<MongoStore, 'repositories'>;
  queueCounts: SnapshotDeps['queueCounts'];
  claims: Claims;
  logger: Logger;
}

export function startHousekeeping(deps: HousekeepingDeps): Housekeeping {
  const now = () => new Date();
  const { repositories } = deps.store;
  const { intervalMs } = deps.config.metricsSnapshots;
  const tasks: PeriodicTask[] = [];
  if (intervalMs > 0) {
    const snapshot: SnapshotDeps = { repositories, queueCounts: deps.queueCounts, claims: deps.claims, now, intervalMs };
    tasks.push(new PeriodicTask({ name: 'metrics queue sample', intervalMs, logger: deps.logger, run: async () => void (await takeMetricsSnapshot(snapshot)) }));
  }
  const retention = { eventsDays: deps.config.taskEventStore.retentionDays, snapshotsDays: deps.config.metricsSnapshots.retentionDays, streamDays: deps.config.stream.retentionDays };
  tasks.push(
    new PeriodicTask({
      name: 'retention purge',
      intervalMs: PURGE_INTERVAL_MS,
      logger: deps.logger,
      runAtStart: true,
      run: async () => {
        const removed = await purgeExpired({ repositories, retention }, now());
        if (removed.events + removed.snapshots + removed.idempotency_keys + removed.stream_events > 0) deps.logger.info('retention purge', removed);
      },
    }),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}
