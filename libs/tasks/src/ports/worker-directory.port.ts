import type { AgentSummary } from '@agent-orchestrator/domain';

/** An agent as a worker registered it: the domain's summary. */
export type LiveAgent = AgentSummary;

/** What a live worker publishes about itself. Dates are ISO 8601 strings, as stored. */
export interface LiveWorker {
  /** `hostname:pid:random`, unique per worker process. */
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: string;
  last_seen_at: string;
  agents: LiveAgent[];
}

/** Which workers are alive and what they registered (the Redis worker registry in production). */
export interface WorkerDirectory {
  /**
   * The live workers, most recently seen first.
   * @throws an error of type SERVICE_UNAVAILABLE when the registry cannot be read.
   */
  listLive(): Promise<LiveWorker[]>;
}
