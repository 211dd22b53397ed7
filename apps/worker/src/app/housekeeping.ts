/**
 * The worker's periodic chores: the metrics snapshot (every
 * METRICS_SNAPSHOT_INTERVAL_MS) and the hourly retention purge of lifecycle
 * events, snapshots and expired idempotency keys. The purge is the fallback for servers where TTL
 * indexes have no effect (FerretDB v1); several workers purging at once is
 * harmless, since each deletes the same old documents.
 */
import type { MongoStore } from '@agent-orchestrator/persistence';
import type { WorkerConfig } from '@agent-orchestrator/config';
import type { Logger } from '@agent-orchestrator/observability';
import { PeriodicTask } from './periodic-task';
import { takeMetricsSnapshot, type SnapshotDeps } from './metrics-snapshot';

export const PURGE_INTERVAL_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface Housekeeping {
  stop(): Promise<void>;
}

export interface HousekeepingDeps {
  config: Pick<WorkerConfig, 'metricsSnapshots' | 'taskEventStore'>;
  store: Pick<MongoStore, 'repositories'>;
  queueCounts: SnapshotDeps['queueCounts'];
  logger: Logger;
  now?: () => Date;
  /** Default one hour. */
  purgeIntervalMs?: number;
}

/** Removes events and snapshots past their retention, and expired idempotency keys; returns how many of each. */
export async function purgeExpired(deps: Pick<HousekeepingDeps, 'config' | 'store'>, now: Date): Promise<{ events: number; snapshots: number; idempotency_keys: number }> {
  const { taskEventStore, metricsSnapshots } = deps.config;
  const events = await deps.store.repositories.taskEvents.deleteOlderThan(new Date(now.getTime() - taskEventStore.retentionDays * DAY_MS));
  const snapshots = await deps.store.repositories.systemMetrics.deleteOlderThan(new Date(now.getTime() - metricsSnapshots.retentionDays * DAY_MS));
  // Reads already ignore expired keys; this only keeps the collection from growing where TTL has no effect.
  const idempotency_keys = await deps.store.repositories.idempotencyKeys.purgeExpired(now);
  return { events, snapshots, idempotency_keys };
}

export function startHousekeeping(deps: HousekeepingDeps): Housekeeping {
  const now = deps.now ?? (() => new Date());
  const { intervalMs } = deps.config.metricsSnapshots;
  const tasks: PeriodicTask[] = [];
  if (intervalMs > 0) {
    tasks.push(
      new PeriodicTask({
        name: 'metrics snapshot',
        intervalMs,
        logger: deps.logger,
        run: async () => {
          await takeMetricsSnapshot({
            repositories: deps.store.repositories,
            queueCounts: deps.queueCounts,
            now,
            intervalMs,
            maxTimeMs: Math.min(intervalMs, 10_000),
          });
        },
      }),
    );
  }
  tasks.push(
    new PeriodicTask({
      name: 'retention purge',
      intervalMs: deps.purgeIntervalMs ?? PURGE_INTERVAL_MS,
      logger: deps.logger,
      runAtStart: true,
      run: async () => {
        const removed = await purgeExpired(deps, now());
        if (removed.events + removed.snapshots + removed.idempotency_keys > 0) deps.logger.info('retention purge', removed);
      },
    }),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}
