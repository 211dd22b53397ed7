// Integration test: a store keeps working after its MongoDB server restarts on the same port.
// It starts its OWN server (tools/services/mongo.mjs, FerretDB or mongodb-memory-server, whatever
// the machine has) as a child process, because the shared server of the Jest globalSetup must not
// be restarted. Several restarts under load, because the failure it guards against (the driver's
// server monitor wedged by a connection the server closed mid-check, see
// mongo/monitor-watchdog.ts) is a race that a single restart hits only now and then.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ErrorType, type Task } from '@agent-orchestrator/domain';

import { connectMongo, type MongoStore } from './connection';
import { DatabaseUnavailableError } from './errors';
import type { MonitorStall } from './mongo/monitor-watchdog';
import { makeTask } from './testing/mongo-test-env';

const MONGO_SCRIPT = path.resolve(__dirname, '../../../tools/services/mongo.mjs');
const RESTARTS = 3;
const SERVER_SELECTION_TIMEOUT_MS = 1000;
/**
 * Failed attempts allowed after the server is back. Each takes at most ~1 s (server selection);
 * a stuck monitor is restarted by the watchdog after 2 x connectTimeoutMS + 2 s grace = 4 s.
 * Without the watchdog a stuck monitor never recovers, so any bound catches it.
 */
const MAX_ATTEMPTS = 15;

jest.setTimeout(240_000);

interface OwnServer {
  uri: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts tools/services/mongo.mjs without the shared MONGO_URI, so it starts a server of its own. */
function startOwnServer(dataDir: string, port?: number): Promise<OwnServer> {
  const env = { ...process.env };
  delete env['MONGO_URI'];
  const args = [MONGO_SCRIPT, 'start', '--data-dir', dataDir, ...(port ? ['--port', String(port)] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mongo.mjs start did not print MONGO_URI within 180 s:\n${output}`));
    }, 180_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`mongo.mjs start exited (${signal ?? code}) before printing MONGO_URI:\n${output}`));
    });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^MONGO_URI=(\S+)$/m.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      const uri = m[1]!;
      resolve({
        uri,
        port: Number(new URL(uri).port),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a store across restarts of its MongoDB server (same port, same data)', () => {
  let dataDir: string;
  let server: OwnServer | undefined;
  let store: MongoStore | undefined;
  const stalls: MonitorStall[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'ao-restart-'));
    server = await startOwnServer(dataDir);
    store = await connectMongo({
      uri: server.uri,
      dbName: 'ao_restart_test',
      serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
      connectTimeoutMS: 1000,
      appName: 'persistence-restart-test',
      onMonitorStall: (stall) => stalls.push(stall),
    });
    await store.ensureIndexes();
  });

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers again within a bounded number of attempts after each restart, and keeps its data', async () => {
    const repos = store!.repositories;
    const before: Task = makeTask();
    await repos.tasks.create(before);

    // Load: the failure needs pooled connections busy when the server goes away.
    let running = true;
    const unexpected: unknown[] = [];
    const load = Array.from({ length: 6 }, async () => {
      while (running) {
        const t = makeTask();
        try {
          await repos.tasks.create(t);
          await repos.tasks.markProcessing(t.task_id, new Date());
          await repos.tasks.findById(t.task_id);
        } catch (err) {
          // While the server is down, failures must be the typed, retryable error: nothing else, nothing hidden.
          if (!(err instanceof DatabaseUnavailableError)) unexpected.push(err);
          await sleep(50);
        }
      }
    });

    try {
      for (let restart = 1; restart <= RESTARTS; restart++) {
        await sleep(300); // let the load fill the pool
        const port = server!.port;
        await server!.stop();
        server = undefined;

        // While it is down: the typed error, retryable.
        const down = await repos.tasks.findById(before.task_id).then(
          () => null,
          (e: unknown) => e,
        );
        // The whole error when it is not the typed one, so a failure says what came instead.
        expect(down instanceof DatabaseUnavailableError ? 'typed' : { name: (down as Error)?.name, message: (down as Error)?.message, code: (down as { code?: unknown })?.code }).toBe('typed');
        expect(down).toMatchObject({ type: ErrorType.SERVICE_UNAVAILABLE, retryable: true });

        server = await startOwnServer(dataDir, port);

        let attempts = 0;
        let found: Task | null = null;
        let lastError: unknown;
        while (attempts < MAX_ATTEMPTS && !found) {
          attempts++;
          try {
            found = await repos.tasks.findById(before.task_id);
          } catch (err) {
            lastError = err;
            await sleep(200);
          }
        }
        expect({ restart, found: found?.task_id, lastError: found ? undefined : String(lastError) }).toEqual({
          restart,
          found: before.task_id,
          lastError: undefined,
        });

        // Writes work again too.
        const after = makeTask();
        await repos.tasks.create(after);
        expect(await repos.tasks.findById(after.task_id)).toMatchObject({ task_id: after.task_id });
      }
    } finally {
      running = false;
      await Promise.all(load);
    }

    expect(unexpected).toEqual([]);
    // A restarted monitor is reported; it must have come back (the driver internals were reachable).
    expect(stalls.filter((s) => !s.restarted)).toEqual([]);
  });
});
