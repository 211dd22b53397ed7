import type { CancelChannel, WorkerDirectory } from '@agent-orchestrator/tasks';
import { BullTaskProducer } from './bull-task-producer';
import type { TaskQueue as BullQueue } from './queue';
import { RedisCancelPublisher } from './redis-cancel-publisher';
import { redisWorkerDirectory } from './redis-worker-directory';

export interface BullApiMessaging {
  queue: BullTaskProducer;
  cancels: CancelChannel;
  /** True when Redis answers a PING within `timeoutMs`. */
  pingRedis: (timeoutMs: number) => Promise<boolean>;
  workerDirectory: WorkerDirectory;
}

/** The api's queue-side ports on one Bull queue and its Redis connection: producer, cancel publisher, live-worker directory. */
export function bullApiMessaging(queue: BullQueue, options: { enqueueTimeoutMs: number; registryTimeoutMs?: number }): BullApiMessaging {
  const producer = new BullTaskProducer(queue, { timeoutMs: options.enqueueTimeoutMs });
  return {
    queue: producer,
    cancels: new RedisCancelPublisher(queue.client),
    pingRedis: (timeoutMs) => producer.ping(timeoutMs),
    workerDirectory: redisWorkerDirectory(queue.client, options.registryTimeoutMs ?? 2000),
  };
}
