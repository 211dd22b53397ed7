// needs: MongoDB-compatible server (MONGO_URI) and Redis (REDIS_URL), started by the Jest global
// setup; the built api (`nx test e2e` builds it first). Runs the `npm start` launcher's supervisor
// (tools/dev/apps.mjs) with the api and presses "Ctrl-C" the way a terminal does: SIGINT to the
// launcher's whole process group.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitFor } from './processes';
import { dropTestDatabase, testDatabaseName } from '@agent-orchestrator/persistence/testing';

const root = join(__dirname, '..', '..', '..');

const LAUNCHER = `
import { superviseApps } from ${JSON.stringify(join(root, 'tools', 'dev', 'apps.mjs'))};
superviseApps({ root: ${JSON.stringify(root)}, apps: ['api'], env: process.env, say: (m) => process.stderr.write('[start] ' + m + '\\n') });
`;

describe('npm start launcher', () => {
  it('one Ctrl-C (SIGINT to the process group) gives the api one clean shutdown', async () => {
    const port = await freePort();
    const dbName = testDatabaseName('ao_e2e_start');
    const launcher = spawn(process.execPath, ['--input-type=module', '-e', LAUNCHER], {
      cwd: root,
      // A process group of its own, like a shell job: the test can signal the group as a terminal would.
      detached: true,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'test',
        MONGO_URI: process.env['MONGO_URI']!,
        MONGO_DB_NAME: dbName,
        REDIS_URL: process.env['REDIS_URL']!,
        HOST: '127.0.0.1',
        PORT: String(port),
        APP_ENV: 'e2e',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    launcher.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    launcher.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => launcher.once('exit', (code) => resolve(code)));
    try {
      await waitFor('api /readyz', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined));
      const before = out.length;
      process.kill(-launcher.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      const shutdownLines = out.slice(before).split('\n').filter((l) => l.trim() !== '');
      expect(shutdownLines.join('\n')).toContain('shutdown complete');
      expect(shutdownLines.filter((l) => /received again|"level":"(error|warn)"|\b(error|warn)\b:/i.test(l))).toEqual([]);
    } finally {
      if (launcher.exitCode === null) process.kill(-launcher.pid!, 'SIGKILL');
      await dropTestDatabase(dbName);
    }
  }, 60_000);
});
