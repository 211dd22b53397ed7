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
  repositories: Pick<Repositories, 'taskEvents' | 'taskCounters' | 'idempotencyKeys'> & Partial<Pick<Repositories, 'taskStream'>>;
  /** `snapshotsDays`: how long the history's minute counters are kept (day counters are kept); `streamDays`: the task streams' events (STREAM_RETENTION_DAYS); without it (or `taskStream`) they are not purged. */
  retention: { eventsDays: number; snapshotsDays: number; streamDays?: number };
}

export interface Purged {
  events: number;
  /** Minute counter documents (the history's points). */
  snapshots: number;
  idempotency_keys: number;
  stream_events: number;
}

/** Removes events, stream events and minute counters past their retention, and expired idempotency keys; returns how many of each. */
export async function purgeExpired(deps: PurgeDeps, now: Date): Promise<Purged> {
  const { repositories, retention } = deps;
  const events = await repositories.taskEvents.deleteOlderThan(new Date(now.getTime() - retention.eventsDays * DAY_MS));
  const snapshots = await repositories.taskCounters.deleteMinutesBefore(new Date(now.getTime() - retention.snapshotsDays * DAY_MS));
  // Reads already ignore expired keys; this only keeps the collection from growing where TTL has no effect.
  const idempotency_keys = await repositories.idempotencyKeys.purgeExpired(now);
  const stream_events =
    repositories.taskStream && retention.streamDays !== undefined ? await repositories.taskStream.deleteOlderThan(new Date(now.getTime() - retention.streamDays * DAY_MS)) : 0;
  return { events, snapshots, idempotency_keys, stream_events };
}
