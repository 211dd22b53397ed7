import type { AddressInfo } from 'node:net';
import { connectMongo } from '@agent-orchestrator/persistence';
import { BufferedEventSink, TaskEventLog, createApiMetrics, taskMetricsSink } from '@agent-orchestrator/observability';
import { RedisTaskStreamBus, bullApiMessaging, createTaskQueue, pingQueue, waitUntil } from '@agent-orchestrator/messaging';
import { TaskStreamPublisher } from '@agent-orchestrator/tasks';
import { loadApiConfig, loadEnvironment } from '@agent-orchestrator/config';
import { createApp, endOpenStreams, settleCounters } from './app/app';
import { connectRateLimitStore } from './app/http/rate-limit.store';
import { installGracefulShutdown } from './app/graceful-shutdown';

async function main(): Promise<void> {
  // .env (development), then SSM_PARAMETER_PATH when set, then validation; a ConfigError ends the boot.
  const { config, logger } = await loadEnvironment('api', loadApiConfig);

  // Connects while MongoDB does, so the limiter counts from the first request.
  const rateLimit = connectRateLimitStore(config, logger);
  const store = await connectMongo({
    uri: config.mongo.uri,
    dbName: config.mongo.dbName,
    serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs,
    appName: 'agent-orchestrator-api',
    onMonitorStall: (stall) => logger.warn('MongoDB server monitor was stuck; restarted it', { address: stall.address, stalled_ms: stall.stalledMs, restarted: stall.restarted }),
  });
  await store.ensureIndexes();
  const queue = createTaskQueue(config.redis.url, { failFast: true });
  if (!(await waitUntil(() => pingQueue(queue), { timeoutMs: 10_000 }))) {
    logger.warn('Redis is not reachable yet: /readyz reports it; new tasks are stored and stay queued until the worker enqueues them');
  }

  if (config.trustProxy === true) {
    logger.warn('TRUST_PROXY=true believes any X-Forwarded-For, so clients can pick their IP and dodge per-IP rate limits: set the number of proxies (e.g. 1)');
  }
  const metrics = createApiMetrics();
  // LOG_TO_MONGO: lifecycle events also go to the `logs` collection (the task timeline), buffered off the request path.
  const events = new TaskEventLog(logger, 'api').addSink(taskMetricsSink(metrics.tasks));
  const { taskEventStore } = config;
  const eventSink = taskEventStore.enabled
    ? new BufferedEventSink({ writer: store.repositories.taskEvents, logger, bufferSize: taskEventStore.bufferSize, flushIntervalMs: taskEventStore.flushIntervalMs })
    : undefined;
  if (eventSink) events.addSink(eventSink.sink);
  // The task streams: this process numbers and announces its own events (task.accepted, a queued
  // task's cancel, a retry) and serves any task's stream, whichever worker runs it.
  const streamBus = new RedisTaskStreamBus({ redisUrl: config.redis.url, publisher: queue.client, logger });
  const streams = new TaskStreamPublisher({
    store: store.repositories.taskStream,
    bus: streamBus,
    logger,
    deltaIntervalMs: config.stream.deltaIntervalMs,
    deltaMaxChars: config.stream.deltaMaxChars,
    batchWindowMs: config.stream.writeWindowMs,
  });
  events.addSink(streams.sink);
  const messaging = bullApiMessaging(queue, { enqueueTimeoutMs: config.enqueueTimeoutMs, fair: config.fairQueue.enabled });
  const app = createApp({ config, logger, store, ...messaging, environment: config.environment, rateLimitStore: rateLimit?.store, metrics, events, streamBus });
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
    endLongRequests: () => endOpenStreams(app),
    resources: [
      { name: 'queue', close: () => queue.close() },
      ...(rateLimit ? [{ name: 'rate-limit redis', close: rateLimit.close }] : []),
      ...(eventSink ? [{ name: 'task event sink', close: () => eventSink.close() }] : []),
      { name: 'task streams', close: () => streams.close() },
      { name: 'task counters', close: () => settleCounters(app) },
      { name: 'task stream subscriber', close: () => streamBus.close() },
      { name: 'mongodb', close: () => store.close() },
    ],
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
