import type { CancelChannel, WorkerDirectory } from '@agent-orchestrator/tasks';
import { BullTaskQueue } from './bull-task-queue';
import type { TaskQueue as BullQueue } from './queue';
import { RedisCancelChannel } from './redis-cancel-channel';
import { redisWorkerDirectory } from './redis-worker-directory';

export interface BullApiMessaging {
  /** The producer side of the task queue (the api never consumes). */
  queue: BullTaskQueue;
  cancels: CancelChannel;
  /** True when Redis answers a PING within `timeoutMs`. */
  pingRedis: (timeoutMs: number) => Promise<boolean>;
  workerDirectory: WorkerDirectory;
}

/** The api's queue-side ports on one Bull queue and its Redis connection: producer, cancel publisher, live-worker directory. */
export function bullApiMessaging(queue: BullQueue, options: { enqueueTimeoutMs: number; registryTimeoutMs?: number; fair?: boolean }): BullApiMessaging {
  const producer = new BullTaskQueue(queue, { timeoutMs: options.enqueueTimeoutMs, ...(options.fair === undefined ? {} : { fair: options.fair }) });
  return {
    queue: producer,
    cancels: new RedisCancelChannel(queue.client),
    pingRedis: (timeoutMs) => producer.ping(timeoutMs),
    workerDirectory: redisWorkerDirectory(queue.client, options.registryTimeoutMs ?? 2000),
  };
}
