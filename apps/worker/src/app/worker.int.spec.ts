// needs: a MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global setup.
// A whole worker process (startWorker) publishes itself and its agents to the live-worker registry.
import { randomInt, randomUUID } from 'node:crypto';
import type { AgentDescriptor } from '@agent-orchestrator/agents-core';
import { loadWorkerConfig } from '@agent-orchestrator/config';
import { createTaskQueue, listLiveWorkers, type TaskQueue } from '@agent-orchestrator/messaging';
import { createLogger } from '@agent-orchestrator/observability';
import { startWorker, type RunningWorker } from './worker';
import { dropTestDatabase } from '@agent-orchestrator/persistence/testing';

const logger = createLogger({ service: 'test', level: 'error', silent: true });

const descriptor: AgentDescriptor = {
  name: 'EchoAgent',
  version: '9.8.7',
  agent_type: 'echo',
  description: 'Repeats the task back; a stand-in agent package for this test.',
  create: () => ({
    name: 'EchoAgent',
    version: '9.8.7',
    run: async () => ({ output: { agent_name: 'EchoAgent', content: 'echo', citations: [] }, usage: [], model: null }),
  }),
};

describe('worker presence in the live-worker registry', () => {
  const mongoUri = process.env['MONGO_URI']!;
  const redisUrl = (() => {
    const u = new URL(process.env['REDIS_URL']!);
    u.pathname = `/${randomInt(1, 16)}`;
    return u.toString();
  })();
  const dbName = `ao_worker_reg_${randomUUID().slice(0, 8)}`;
  let reader: TaskQueue;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    reader = createTaskQueue(redisUrl);
    await reader.isReady();
  });

  afterAll(async () => {
    await worker?.stop(1000);
    await reader.close();
    await dropTestDatabase(dbName, { uri: mongoUri });
  });

  it('publishes itself and its agents at boot and leaves on stop', async () => {
    const config = loadWorkerConfig({
      MONGO_URI: mongoUri,
      MONGO_DB_NAME: dbName,
      REDIS_URL: redisUrl,
      AGENTS: 'echo-agent-package',
      WORKER_HEARTBEAT_MS: '200',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'error',
    });
    worker = await startWorker(config, logger, {}, async () => ({ agentDescriptor: descriptor }));

    const live = await listLiveWorkers(reader.client);
    expect(live).toEqual([
      {
        worker_id: worker.worker_id,
        hostname: expect.any(String),
        pid: process.pid,
        started_at: expect.any(String),
        last_seen_at: expect.any(String),
        agents: [{ name: 'EchoAgent', version: '9.8.7', agent_type: 'echo', description: descriptor.description }],
      },
    ]);
    expect(worker.worker_id.startsWith(`${live[0]!.hostname}:${process.pid}:`)).toBe(true);

    // Still there after several TTLs (3 x 200 ms): the heartbeat keeps it alive.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await listLiveWorkers(reader.client)).map((w) => w.worker_id)).toEqual([worker.worker_id]);

    await worker.stop(1000);
    worker = undefined;
    expect(await listLiveWorkers(reader.client)).toEqual([]);
  });
});
