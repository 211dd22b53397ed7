import { listLiveWorkers, type WorkerRecord, type WorkerRegistryRedis } from '@agent-orchestrator/messaging';

/** Where the API learns which workers are alive and what they registered. */
export interface WorkerDirectory {
  /**
   * The live workers, most recently seen first.
   * @throws an error of type SERVICE_UNAVAILABLE when the registry cannot be read.
   */
  listLive(): Promise<WorkerRecord[]>;
}

/** The live-worker registry the workers publish to, in the queue's Redis. */
export function redisWorkerDirectory(redis: WorkerRegistryRedis, timeoutMs: number): WorkerDirectory {
  return { listLive: () => listLiveWorkers(redis, { timeoutMs }) };
}
