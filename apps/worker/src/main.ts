import { loadEnvironment, loadWorkerConfig } from '@agent-orchestrator/config';
import { startWorker } from './app/worker';

async function main(): Promise<void> {
  // .env (development), then SSM_PARAMETER_PATH when set, then validation; a ConfigError ends the boot.
  // Agents read their settings (LLM_CONTENT_MODEL, TAVILY_API_KEY, ...) from the same process.env.
  const { config, logger } = await loadEnvironment('worker', loadWorkerConfig);
  // Agent packages are imported from here so they resolve against the worker's own dependencies.
  const worker = await startWorker(config, logger, process.env, (specifier) => import(specifier));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    worker.stop().then(
      () => {
        // Everything is closed (queue, Redis, MongoDB, metrics listener): said once, as the api says it.
        logger.info('shutdown complete');
        process.exit(0);
      },
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
