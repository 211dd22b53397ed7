/**
 * In-memory stand-ins for the app's dependencies, for fast unit specs. The
 * integration spec (app.int.spec.ts) runs the same flows on MongoDB and Redis.
 */
import { DatabaseUnavailableError, type MongoStore, type Repositories } from '@agent-orchestrator/persistence';
import { loadApiConfig, type ApiConfig, type Logger, type TaskQueue } from '@agent-orchestrator/platform';
import { isTerminalStatus, type AgentRun, type Message, type ProcessTaskJob, type Session, type Task } from '@agent-orchestrator/domain';

export function testConfig(env: Record<string, string> = {}): ApiConfig {
  return loadApiConfig({ MONGO_URI: 'mongodb://127.0.0.1:1/test', REDIS_URL: 'redis://127.0.0.1:1', APP_ENV: 'test', ...env });
}

export interface LogRecord {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** A Logger that keeps records in memory, child bindings included. */
export function recordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const make = (bound: Record<string, unknown>): unknown => {
    const at =
      (level: string) =>
      (message: string, meta: Record<string, unknown> = {}): void => {
        records.push({ ...bound, ...meta, level, message });
      };
    return {
      child: (meta: Record<string, unknown>) => make({ ...bound, ...meta }),
      log: (level: string, message: string, meta?: Record<string, unknown>) => at(level)(message, meta),
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
    };
  };
  return { logger: make({}) as Logger, records };
}

const clone = <T>(value: T): T => structuredClone(value);

/** The repository contract in memory. `down = true` makes every call fail as if MongoDB were unreachable. */
export class FakeStore implements Pick<MongoStore, 'repositories' | 'ping'> {
  readonly tasks = new Map<string, Task>();
  readonly messages: Message[] = [];
  readonly sessions = new Map<string, Session>();
  readonly agentRuns: AgentRun[] = [];
  down = false;
  /** Names of the calls made, e.g. `tasks.create`. */
  readonly calls: string[] = [];

  private guard(call: string): void {
    this.calls.push(call);
    if (this.down) throw new DatabaseUnavailableError('127.0.0.1:1', 100, 'connection refused');
  }

  writes(): number {
    return this.calls.filter((c) => !/\.(find|list|recent)/.test(c)).length;
  }

  async ping(): Promise<boolean> {
    return !this.down;
  }

  readonly repositories: Repositories = {
    tasks: {
      create: async (task) => {
        this.guard('tasks.create');
        this.tasks.set(task.task_id, clone(task));
        return clone(task);
      },
      findById: async (id) => {
        this.guard('tasks.findById');
        const t = this.tasks.get(id);
        return t ? clone(t) : null;
      },
      markProcessing: async () => {
        throw new Error('not used by the api');
      },
      recordRouting: async () => {
        throw new Error('not used by the api');
      },
      complete: async () => {
        throw new Error('not used by the api');
      },
      fail: async (id, outcome, now) => {
        this.guard('tasks.fail');
        const t = this.tasks.get(id);
        if (!t || isTerminalStatus(t.status)) return null;
        Object.assign(t, { status: 'failed', error: outcome.error, completed_at: now, updated_at: now });
        return clone(t);
      },
      recentBySession: async (sessionId, { limit }) => {
        this.guard('tasks.recentBySession');
        return [...this.tasks.values()].filter((t) => t.session_id === sessionId).slice(0, limit).map(clone);
      },
    },
    agentRuns: {
      record: async (run) => {
        this.guard('agentRuns.record');
        this.agentRuns.push(clone(run));
      },
      listByTask: async (taskId) => this.agentRuns.filter((r) => r.task_id === taskId),
    },
    messages: {
      append: async (message) => {
        this.guard('messages.append');
        this.messages.push(clone(message));
      },
      recentBySession: async (sessionId, { limit }) => this.messages.filter((m) => m.session_id === sessionId).slice(-limit),
      listByTask: async (taskId) => this.messages.filter((m) => m.task_id === taskId),
    },
    sessions: {
      touch: async (sessionId, now) => {
        this.guard('sessions.touch');
        const s = this.sessions.get(sessionId);
        if (s) Object.assign(s, { updated_at: now, task_count: s.task_count + 1 });
        else this.sessions.set(sessionId, { session_id: sessionId, created_at: now, updated_at: now, task_count: 1 });
      },
    },
  };
}

export interface FakeJob {
  name: string;
  data: ProcessTaskJob;
  opts: { jobId?: string };
}

/** The slice of a Bull queue the api uses (add, isReady, client.ping). `down = true` rejects like an unreachable Redis. */
export class FakeQueue {
  readonly jobs: FakeJob[] = [];
  down = false;

  async add(name: string, data: ProcessTaskJob, opts: { jobId?: string }): Promise<FakeJob> {
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    const job = { name, data, opts };
    this.jobs.push(job);
    return job;
  }

  async isReady(): Promise<this> {
    if (this.down) throw new Error('connect ECONNREFUSED');
    return this;
  }

  readonly client = {
    ping: async (): Promise<string> => {
      if (this.down) throw new Error('connect ECONNREFUSED');
      return 'PONG';
    },
  };

  asTaskQueue(): TaskQueue {
    return this as unknown as TaskQueue;
  }
}
