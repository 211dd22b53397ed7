/**
 * The hourly retention purge of lifecycle events, the history's minute counters and expired
 * idempotency keys: the fallback for servers where TTL indexes have no effect
 * (FerretDB v1). Several workers purging at once is harmless, since each
 * deletes the same old documents.
 */
import type { Repositories } from '@agent-orchestrator/persistence';

export const PURGE_INTERVAL_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface PurgeDeps {
  repositories: Pick<Repositories, 'taskEvents' | 'taskCounters' | 'idempotencyKeys'>;
  /** `snapshotsDays`: how long the history's minute counters are kept (day counters are kept). */
  retention: { eventsDays: number; snapshotsDays: number };
}

export interface Purged {
  events: number;
  /** Minute counter documents (the history's points). */
  snapshots: number;
  idempotency_keys: number;
}

/** Removes events and minute counters past their retention, and expired idempotency keys; returns how many of each. */
export async function purgeExpired(deps: PurgeDeps, now: Date): Promise<Purged> {
  const { repositories, retention } = deps;
  const events = await repositories.taskEvents.deleteOlderThan(new Date(now.getTime() - retention.eventsDays * DAY_MS));
  const snapshots = await repositories.taskCounters.deleteMinutesBefore(new Date(now.getTime() - retention.snapshotsDays * DAY_MS));
  // Reads already ignore expired keys; this only keeps the collection from growing where TTL has no effect.
  const idempotency_keys = await repositories.idempotencyKeys.purgeExpired(now);
  return { events, snapshots, idempotency_keys };
}
