/**
 * `MONGO_URI=… [MONGO_DB_NAME=…] node libs/persistence/dist/bin/migrate-primary-keys.js`
 * (after `npx nx build persistence`): moves tasks, sessions and messages stored before issue 11
 * to `_id` = their id. Idempotent and resumable; run it with the api and workers stopped
 * (libs/persistence/README.md, docs/operational-runbook.md). Prints one line per collection and
 * exits 0, or prints the error (never the URI's credentials) and exits 1.
 */
import { migratePrimaryKeys } from '../mongo/primary-keys.migration';
import { openConnection } from '../mongo/open-connection';
import { redactMongoUri } from '../redact';

async function main(): Promise<void> {
  const uri = process.env['MONGO_URI'];
  if (!uri) throw new Error('MONGO_URI is not set');
  const dbName = process.env['MONGO_DB_NAME'] || 'agent_orchestrator';
  console.log(`migrating ${redactMongoUri(uri)} database ${dbName}`);
  const { conn } = await openConnection({ uri, dbName, appName: 'agent-orchestrator-migrate' });
  try {
    if (!conn.db) throw new Error('connected without a database handle');
    const report = await migratePrimaryKeys(conn.db, { log: (line) => console.log(line) });
    console.log(JSON.stringify(report));
  } finally {
    await conn.close();
  }
}

main().catch((err: unknown) => {
  console.error(redactMongoUri(err instanceof Error ? err.message : String(err)));
  process.exit(1);
});
