import { ConfigError } from '@agent-orchestrator/domain';
import { createLogger, loadDotEnv, loadWorkerConfig } from '@agent-orchestrator/platform';
import { startWorker } from './app/worker';

async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadWorkerConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'worker', level: config.logLevel });
  // Agent packages are imported from here so they resolve against the worker's own dependencies.
  const worker = await startWorker(config, logger, process.env, (specifier) => import(specifier));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    worker.stop().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error('shutdown failed', { error_message: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error & { type?: string }) => {
  process.stderr.write(`worker failed to start: ${err.type ? `[${err.type}] ` : ''}${err.message}\n`);
  process.exit(1);
});
