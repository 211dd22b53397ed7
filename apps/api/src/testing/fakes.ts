/**
 * Stand-ins for the app's dependencies, for fast unit specs of the routes: the in-memory
 * repositories (@agent-orchestrator/persistence/testing), the in-memory queue and cancel channel
 * (@agent-orchestrator/tasks/testing), and a worker directory. The integration specs
 * (*.int.spec.ts) run the same flows on MongoDB and Redis.
 */
import { loadApiConfig, type ApiConfig } from '@agent-orchestrator/config';
import { WorkerRegistryUnavailableError, type WorkerRecord } from '@agent-orchestrator/messaging';
import type { Logger } from '@agent-orchestrator/observability';
import { InMemoryCancelChannel, InMemoryTaskQueue, recordingLogger as recordingTaskLogger, type LogRecord } from '@agent-orchestrator/tasks/testing';

export { InMemoryStore } from '@agent-orchestrator/persistence/testing';
export { InMemoryCancelChannel, InMemoryTaskQueue } from '@agent-orchestrator/tasks/testing';
export type { LogRecord } from '@agent-orchestrator/tasks/testing';

/**
 * The tasks lib's recording logger, typed as the app's logger (winston's, of which the app's code
 * uses only what the port has: levels, meta, child).
 */
export function recordingLogger(): { logger: Logger; records: LogRecord[] } {
  const { logger, records } = recordingTaskLogger();
  return { logger: logger as unknown as Logger, records };
}

export function testConfig(env: Record<string, string> = {}): ApiConfig {
  return loadApiConfig({ MONGO_URI: 'mongodb://127.0.0.1:1/test', REDIS_URL: 'redis://127.0.0.1:1', APP_ENV: 'test', ...env });
}

/** Live workers in memory. `down = true` fails like an unreachable Redis. */
export class FakeWorkerDirectory {
  workers: WorkerRecord[] = [];
  down = false;

  async listLive(): Promise<WorkerRecord[]> {
    if (this.down) throw new WorkerRegistryUnavailableError('Reading the worker index timed out after 100 ms: Redis is unreachable');
    return structuredClone(this.workers);
  }
}

/**
 * The queue-side dependencies of createApp in memory: `queue.unavailable = true` makes the queue,
 * and Redis's readiness, fail like an unreachable Redis.
 */
export function fakeMessaging(queue = new InMemoryTaskQueue()) {
  return {
    queue,
    cancels: new InMemoryCancelChannel(),
    pingRedis: async (): Promise<boolean> => !queue.unavailable,
    workerDirectory: new FakeWorkerDirectory(),
  };
}
