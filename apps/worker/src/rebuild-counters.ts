// Repair command: `node dist/rebuild-counters.js [YYYY-MM-DD ...]` (default: today, UTC) in /app of
// the worker image, with the worker's settings (MONGO_URI, MONGO_DB_NAME, or SSM_PARAMETER_PATH).
// Recomputes each day's running counters from tasks and agent_runs; see libs/tasks/src/system/rebuild-counters.ts
// and libs/persistence/README.md ("Running counters"). Exit 0 = rebuilt, 1 = failed.
import { loadEnvironment, loadWorkerConfig } from '@agent-orchestrator/config';
import { connectMongo } from '@agent-orchestrator/persistence';
import { parseDays, rebuildCounters } from '@agent-orchestrator/tasks';

/** How long one day's aggregations may take before the command gives up. */
const REBUILD_SOCKET_TIMEOUT_MS = 15 * 60_000;

async function main(): Promise<void> {
  const days = parseDays(process.argv.slice(2), new Date());
  const { config } = await loadEnvironment('rebuild-counters', loadWorkerConfig, { silent: true });
  const store = await connectMongo({
    uri: config.mongo.uri,
    dbName: config.mongo.dbName,
    serverSelectionTimeoutMS: config.mongo.serverSelectionTimeoutMs,
    // A day's aggregation can take minutes on a server that scans (FerretDB): not the request path's 30 s.
    socketTimeoutMS: REBUILD_SOCKET_TIMEOUT_MS,
    appName: 'ao-rebuild-counters',
  });
  try {
    for (const line of await rebuildCounters(store.repositories.taskCounters, days)) process.stdout.write(`${line}\n`);
  } finally {
    await store.close();
  }
}

main().catch((err: Error & { type?: string }) => {
  process.stderr.write(`rebuild-counters failed: ${err.type ? `[${err.type}] ` : ''}${err.message}\n`);
  process.exit(1);
});
