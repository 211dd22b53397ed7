/**
 * Real worker processes for integration specs: the fixture worker (slow-worker.fixture.ts, run
 * from source) spawned with a test environment, waited for until it prints READY, and killed at the
 * end. Also the polling and task helpers those specs share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { newTask, type Task } from '@agent-orchestrator/domain';
import { enqueueTask, type TaskQueue } from '@agent-orchestrator/messaging';
import type { MongoStore } from '@agent-orchestrator/persistence';

const root = join(__dirname, '..', '..', '..', '..');
const fixture = join(__dirname, 'slow-worker.fixture.ts');
const registerTs = join(__dirname, 'register-ts.cjs');

/** Polls `probe` every 100 ms until it returns something truthy; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface WorkerChild {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The fixture worker's environment: the given database and Redis, the OpenAI stub, one job at a
 * time, short locks (a dead worker's job is taken over within seconds), no reconciler.
 */
export function fixtureWorkerEnv(options: { dbName: string; redisUrl: string; openaiUrl: string }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    NODE_ENV: 'test',
    MONGO_URI: process.env['MONGO_URI']!,
    MONGO_DB_NAME: options.dbName,
    REDIS_URL: options.redisUrl,
    OPENAI_API_KEY: 'sk-test-0123456789abcdef',
    OPENAI_BASE_URL: options.openaiUrl,
    AGENTS: 'slow-agent-fixture',
    LOG_LEVEL: 'error',
    WORKER_CONCURRENCY: '1',
    QUEUE_LOCK_DURATION_MS: '2000',
    QUEUE_STALLED_INTERVAL_MS: '1000',
    RECONCILE_INTERVAL_MS: '0',
    WORKER_HEARTBEAT_MS: '1000',
    ...extra,
  };
}

/** Spawns fixture workers with `env(extra)` and remembers them, so `killAll` leaves none behind. */
export function fixtureWorkers(env: (extra: Record<string, string>) => Record<string, string>) {
  const children: WorkerChild[] = [];
  return {
    async spawn(extra: Record<string, string> = {}): Promise<WorkerChild> {
      const proc = spawn(process.execPath, ['--conditions=@agent-orchestrator/source', '-r', registerTs, fixture], {
        cwd: root,
        env: env(extra),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        proc.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const child = { proc, output: () => out, exited };
      children.push(child);
      await until(
        `worker pid ${proc.pid} to be ready (output so far: ${out})`,
        async () => out.includes('READY') || (proc.exitCode !== null && Promise.reject(new Error(`worker exited: ${out}`))),
        60_000,
      );
      return child;
    },
    async killAll(): Promise<void> {
      for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await Promise.all(children.map((c) => c.exited));
    },
  };
}

/** Stores a new queued task with `text` and enqueues it. */
export async function submitTask(store: MongoStore, queue: TaskQueue, text: string): Promise<Task> {
  const task = newTask({
    task_id: randomUUID(),
    session_id: randomUUID(),
    task: text,
    metadata: { ip: null, user_agent: null, request_id: 'r', environment: 'test' },
    now: new Date(),
  });
  await store.repositories.tasks.create(task);
  await enqueueTask(queue, task.task_id);
  return task;
}

/** Resolves with the task once it is completed, failed or cancelled. */
export function taskFinished(store: MongoStore, taskId: string): Promise<Task> {
  return until('the task to finish', async () => {
    const t = await store.repositories.tasks.findById(taskId);
    return t && ['completed', 'failed', 'cancelled'].includes(t.status) ? t : undefined;
  });
}
