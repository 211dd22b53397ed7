import type { Queue } from 'bull';
import type { Logger } from '@agent-orchestrator/tasks';

/**
 * A consumer's local pause, shared by the Bull adapters: this process takes no new job, and the pause
 * resolves once the handlers it is running are done. Bull's pause needs Redis (it reconnects the
 * blocking connection); when Redis is gone it fails, yet no job can be taken then either, so the
 * running handlers are still waited for and the pause resolves.
 */
export async function pauseLocally(queue: Queue, running: ReadonlySet<Promise<unknown>>, what: string, logger?: Pick<Logger, 'warn'>): Promise<void> {
  try {
    await queue.pause(true);
  } catch (err) {
    logger?.warn(`${what} pause failed (Redis unreachable?); waiting for the running jobs`, { error_message: (err as Error).message });
  }
  while (running.size > 0) await Promise.allSettled([...running]);
}
