/**
 * The Redis pub/sub adapter of the cancel ports (`CancelChannel`,
 * `CancelListener` in @agent-orchestrator/tasks), over publishTaskCancel and
 * subscribeTaskCancels: the API publishes, each worker listens on a connection
 * of its own.
 */
import type { CancelChannel, CancelListener, CancelSubscription, Logger } from '@agent-orchestrator/tasks';
import type { Redis } from 'ioredis';
import { publishTaskCancel, subscribeTaskCancels } from './task-cancel';

export class RedisCancelChannel implements CancelChannel {
  constructor(private readonly redis: Pick<Redis, 'publish'>) {}

  publish(taskId: string): Promise<void> {
    return publishTaskCancel(this.redis, taskId);
  }
}

export class RedisCancelListener implements CancelListener {
  constructor(
    private readonly redisUrl: string,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {}

  subscribe(onCancel: (taskId: string) => void): Promise<CancelSubscription> {
    const logger = this.logger;
    return subscribeTaskCancels(this.redisUrl, onCancel, {
      onError: logger ? (err) => logger.warn('task cancel channel error; running tasks still poll for cancels', { error_message: err.message }) : undefined,
    });
  }
}
