import type { WorkerDirectory } from '@agent-orchestrator/tasks';
import { listLiveWorkers, type WorkerRegistryRedis } from './live-workers';

/** The live-worker directory port on the registry the workers publish to (in the queue's Redis). */
export function redisWorkerDirectory(redis: WorkerRegistryRedis, timeoutMs: number): WorkerDirectory {
  return { listLive: () => listLiveWorkers(redis, { timeoutMs }) };
}
