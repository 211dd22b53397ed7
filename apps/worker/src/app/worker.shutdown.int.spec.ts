// needs: a MongoDB-compatible server (MONGO_URI), started by the Jest global setup, and redis-server on
// PATH: the test's launcher starts a Redis of its own, as `npm start` does. Presses "Ctrl-C" the way a
// terminal does: SIGINT to the launcher's whole process group, which holds the launcher, the servers
// it started and the worker (src/main.ts, run from source); the launcher then forwards a SIGTERM too.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

jest.setTimeout(90_000);

const root = join(__dirname, '..', '..', '..', '..');
const registerTs = join(__dirname, '..', 'testing', 'register-ts.cjs');
const main = join(__dirname, '..', 'main.ts');

const LAUNCHER = `
import { spawn } from 'node:child_process';
import { startRedis } from ${JSON.stringify(join(root, 'tools', 'services', 'redis.mjs'))};
const redis = await startRedis({ log: () => {} });
const worker = spawn(process.execPath, ['--conditions=@agent-orchestrator/source', '-r', ${JSON.stringify(registerTs)}, ${JSON.stringify(main)}], { env: { ...process.env, REDIS_URL: redis.url }, stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const exited = new Promise((resolve) => worker.once('exit', (code) => resolve(code)));
const stop = async () => {
  if (stopping) return;
  stopping = true;
  worker.kill('SIGTERM');
  const code = await exited;
  await redis.stop();
  process.stderr.write('[launcher] worker exited ' + code + '\\n');
  process.exit(code ?? 1);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
`;

describe('worker shutdown on Ctrl-C', () => {
  it('one Ctrl-C gives one clean shutdown: exit 0, one "shutting down", one "shutdown complete", no error line', async () => {
    const dbName = testDatabaseName('ao_shutdown');
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'test',
      MONGO_URI: process.env['MONGO_URI']!,
      MONGO_DB_NAME: dbName,
      WORKER_METRICS_PORT: '0',
      // Every loop that touches Redis or MongoDB is running when the signal comes.
      RECONCILE_INTERVAL_MS: '200',
      METRICS_SNAPSHOT_INTERVAL_MS: '1000',
      QUEUE_DEPTH_LOG_INTERVAL_MS: '200',
      WORKER_HEARTBEAT_MS: '200',
      LOG_LEVEL: 'info',
    };
    // A process group of its own, like a shell job: the test signals the group as a terminal would.
    const launcher = spawn(process.execPath, ['--input-type=module', '-e', LAUNCHER], { cwd: root, detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    launcher.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    launcher.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes('worker ready')) {
        if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`the worker did not start:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const before = out.length;
      process.kill(-launcher.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      const lines = out.slice(before).split('\n').filter((l) => l.trim() !== '');
      expect(lines).toContain('[launcher] worker exited 0');
      expect(lines.filter((l) => l.includes('"message":"shutting down"'))).toHaveLength(1);
      // The completion is logged once, after the last connection closed, before the exit.
      const complete = lines.filter((l) => l.includes('"message":"shutdown complete"'));
      expect(complete).toHaveLength(1);
      expect(lines.indexOf(complete[0]!)).toBeGreaterThan(lines.findIndex((l) => l.includes('"message":"shutting down"')));
      expect(lines.filter((l) => /"level":"error"|shutdown failed|Connection is closed/.test(l))).toEqual([]);
    } finally {
      if (launcher.exitCode === null) process.kill(-launcher.pid!, 'SIGKILL');
      await dropTestDatabase(dbName);
    }
  });
});
