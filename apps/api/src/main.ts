import type { AddressInfo } from 'node:net';
import { ConfigError } from '@agent-orchestrator/domain';
import { connectMongo } from '@agent-orchestrator/persistence';
import { createLogger, createTaskQueue, loadApiConfig, loadDotEnv, pingQueue, type ApiConfig } from '@agent-orchestrator/platform';
import { createApp } from './app/app';
import { installGracefulShutdown } from './app/graceful-shutdown';
import { waitUntil } from './app/wait-until';

function readConfig(): ApiConfig {
  try {
    return loadApiConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  loadDotEnv();
  const config = readConfig();
  const logger = createLogger({ service: 'api', level: config.logLevel });

  const store = await connectMongo({
    uri: config.mongo.uri,
    dbName: config.mongo.dbName,
    serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs,
    appName: 'agent-orchestrator-api',
  });
  await store.ensureIndexes();
  const queue = createTaskQueue(config.redis.url, { failFast: true });
  if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) {
    logger.warn('Redis is not reachable yet: /readyz reports it and new tasks get 503 until it is');
  }

  const app = createApp({ config, logger, store, queue, environment: config.environment });
  const server = app.listen(config.port, config.host, (err) => {
    if (err) {
      logger.error('could not listen', { err, host: config.host, port: config.port });
      process.exit(1);
    }
    const { port } = server.address() as AddressInfo;
    logger.info(`api listening on http://${config.host}:${port}`, { environment: config.environment });
  });

  installGracefulShutdown({
    server,
    logger,
    resources: [
      { name: 'queue', close: () => queue.close() },
      { name: 'mongodb', close: () => store.close() },
    ],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
