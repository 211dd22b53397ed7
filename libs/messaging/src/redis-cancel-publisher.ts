import type { Redis } from 'ioredis';
import type { CancelChannel } from '@agent-orchestrator/tasks';
import { publishTaskCancel } from './task-cancel';

/** The publishing side of the cancel channel port, on Redis pub/sub (e.g. the Bull queue's `client`). */
export class RedisCancelPublisher implements CancelChannel {
  constructor(private readonly redis: Pick<Redis, 'publish'>) {}

  publish(taskId: string): Promise<void> {
    return publishTaskCancel(this.redis, taskId);
  }
}
