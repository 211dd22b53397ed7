/**
 * Writes tasks' stream events (GET /v1/tasks/{task_id}/stream): a sink of the lifecycle events
 * (`TaskEventLog.addSink(publisher.sink)`) plus the agent's text (`delta`), coalesced. Each event
 * is numbered by the store (the truth of the sequence), then announced on the bus, so any api
 * process serves it live. Per task, events are written one after another in the order they came
 * (a delta pending for the task is written before the task's next lifecycle event), off the
 * caller's path: the sink never blocks or throws, and a store that stays down loses events (with a
 * warning), never the task.
 */
import { DELTA_EVENT, isTerminalStreamEvent, type StreamEvent, type StreamEventDraft, type StreamEventType, type TaskEvent } from '@agent-orchestrator/domain';
import type { TaskStreamRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import type { TaskDeltas, TaskStreamBus } from '../ports/task-stream.port';
import { StreamWriteBatch } from './stream-write-batch';

export interface TaskStreamPublisherOptions {
  store: Pick<TaskStreamRepository, 'append' | 'appendMany' | 'lastSeq' | 'has'>;
  bus: Pick<TaskStreamBus, 'publish' | 'publishMany'>;
  logger: Pick<Logger, 'warn'>;
  /** A delta is written at most this long after its first chunk arrived (STREAM_DELTA_INTERVAL_MS). */
  deltaIntervalMs: number;
  /** ... or as soon as it holds this many characters (STREAM_DELTA_MAX_CHARS). */
  deltaMaxChars: number;
  now?: () => Date;
  /** Waits between the attempts of a failed write; its length is the number of retries. Default 100, 400, 1600 ms. */
  retryDelaysMs?: readonly number[];
  /**
   * The worker's: a task's first event written here waits up to `waitMs` for the task's stream to
   * hold `event` (`task.accepted`, which the api writes after the enqueue), so a quick worker's
   * `task.picked_up` does not come before it. Given up after the wait (the api's write was lost).
   */
  awaitFirst?: { event: StreamEventType; waitMs: number };
  /**
   * STREAM_WRITE_WINDOW_MS: the events of all tasks handed over within this many ms of the first
   * go in one insert and one Redis pipeline (see StreamWriteBatch). 0 or unset: one insert and one
   * PUBLISH per event, at once.
   */
  batchWindowMs?: number;
  /**
   * How many tasks with nothing left to write keep their state (the last number written, a hint that
   * saves a read on their next event) before the longest-idle is dropped. The api writes only
   * `task.accepted` for most tasks and never their terminal event, so without this bound it would
   * keep one entry per task it ever accepted. Default 1000.
   */
  maxIdleTasks?: number;
}

interface PendingDelta {
  agent_name: string;
  text: string;
  timestamp: Date;
  timer: NodeJS.Timeout;
}

interface TaskState {
  /** The writes of the task, one after another. */
  chain: Promise<void>;
  /** The number this process wrote last (a hint for the next insert; the store corrects it). */
  lastSeq?: number;
  pending?: PendingDelta;
  /** Writes queued and not finished. */
  queued: number;
}

export class TaskStreamPublisher implements TaskDeltas {
  private readonly tasks = new Map<string, TaskState>();
  /** Tasks whose state has no write queued or pending, longest idle first (insertion order). */
  private readonly idle = new Set<string>();
  private readonly now: () => Date;
  private closed = false;
  private lostTotal = 0;
  private readonly batch: StreamWriteBatch | undefined;

  constructor(private readonly options: TaskStreamPublisherOptions) {
    this.now = options.now ?? (() => new Date());
    const windowMs = options.batchWindowMs ?? 0;
    this.batch =
      windowMs > 0 ? new StreamWriteBatch({ store: options.store, bus: options.bus, windowMs, onUnannounced: (event, err) => this.unannounced(event, err) }) : undefined;
  }

  /** Pass to `TaskEventLog.addSink`. Synchronous, never throws. */
  readonly sink = (event: TaskEvent): void => {
    if (this.closed) return;
    this.enqueue({ task_id: event.task_id, event: event.event, timestamp: event.timestamp, agent_name: event.agent_name, data: event.data });
  };

  /** A chunk of the agent's output: joined with the next ones into one `delta` event per interval (or size). */
  delta(taskId: string, agentName: string, text: string): void {
    if (this.closed || text.length === 0) return;
    const state = this.state(taskId);
    const pending = state.pending;
    if (pending && pending.agent_name === agentName) {
      pending.text += text;
    } else {
      if (pending) this.flushDelta(taskId);
      const timer = setTimeout(() => this.flushDelta(taskId), this.options.deltaIntervalMs);
      timer.unref();
      state.pending = { agent_name: agentName, text, timestamp: this.now(), timer };
    }
    if ((state.pending?.text.length ?? 0) >= this.options.deltaMaxChars) this.flushDelta(taskId);
  }

  /** Events lost because the store refused them after every retry. */
  get lost(): number {
    return this.lostTotal;
  }

  /** Resolves when everything handed over so far is written (or given up). Meanwhile the write window is not waited for. */
  async flush(): Promise<void> {
    const hurried = this.batch?.hurry();
    try {
      for (const taskId of [...this.tasks.keys()]) this.flushDelta(taskId);
      await Promise.all([...this.tasks.values()].map((s) => s.chain));
    } finally {
      hurried?.();
    }
  }

  /** Takes nothing more and writes what is pending, giving up after `timeoutMs`. */
  async close(timeoutMs = 5000): Promise<void> {
    const done = this.flush();
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([done, late]);
    clearTimeout(timer);
  }

  /** Tasks whose state this process holds (writing, or idle within `maxIdleTasks`). */
  get trackedTasks(): number {
    return this.tasks.size;
  }

  private state(taskId: string): TaskState {
    let state = this.tasks.get(taskId);
    this.idle.delete(taskId);
    if (!state) {
      state = { chain: Promise.resolve(), queued: 0 };
      this.tasks.set(taskId, state);
    }
    return state;
  }

  private flushDelta(taskId: string): void {
    const state = this.tasks.get(taskId);
    const pending = state?.pending;
    if (!state || !pending) return;
    clearTimeout(pending.timer);
    state.pending = undefined;
    this.write(state, { task_id: taskId, event: DELTA_EVENT, timestamp: pending.timestamp, agent_name: pending.agent_name, data: { text: pending.text } });
  }

  private enqueue(draft: StreamEventDraft): void {
    const state = this.state(draft.task_id);
    // The text written so far comes before what happens next (agent.finished, a failure...).
    this.flushDelta(draft.task_id);
    this.write(state, draft);
  }

  private write(state: TaskState, draft: StreamEventDraft): void {
    state.queued += 1;
    state.chain = state.chain.then(async () => {
      try {
        await this.store(state, draft);
      } finally {
        state.queued -= 1;
        if (state.queued === 0 && !state.pending) this.drained(draft.task_id, isTerminalStreamEvent(draft.event));
      }
    });
  }

  /**
   * A task's writes are all done. A finished task's state goes (a retried task gets a new one);
   * another stays as the most recently idle, and the longest-idle beyond `maxIdleTasks` go.
   */
  private drained(taskId: string, finished: boolean): void {
    this.idle.delete(taskId);
    if (finished) {
      this.tasks.delete(taskId);
      return;
    }
    this.idle.add(taskId);
    const max = this.options.maxIdleTasks ?? 1000;
    for (const oldest of this.idle) {
      if (this.idle.size <= max) break;
      this.idle.delete(oldest);
      this.tasks.delete(oldest);
    }
  }

  /**
   * Before a task's first write here: the number to go on from. A worker (`awaitFirst`) waits, a
   * bounded time, for the task's first event by its primary key, then takes it as the last one:
   * the append inserts number 2, and reads the real last number only when that one is taken (a task
   * that ran before). So the usual path never queries by `task_id` (a scan on FerretDB).
   */
  private async firstNumber(draft: StreamEventDraft): Promise<number> {
    const first = this.options.awaitFirst;
    const store = this.options.store;
    // A task's first event (`task.accepted`, written by the api that has just stored the task) takes
    // number 1 without a read: when something took it meanwhile, the append reads the last number
    // and goes on from there.
    if (draft.event === 'task.accepted') return 0;
    if (!first) return store.lastSeq(draft.task_id);
    const until = Date.now() + first.waitMs;
    // The api's task.accepted waits up to its write window (the same setting) before it is stored:
    // look after as long, so the first look usually finds it (one read instead of two, 25 ms apart).
    if (this.batch) await new Promise((resolve) => setTimeout(resolve, this.options.batchWindowMs).unref());
    let present = await store.has(draft.task_id, 1);
    while (!present && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 25).unref());
      present = await store.has(draft.task_id, 1);
    }
    return present ? 1 : 0;
  }

  private async store(state: TaskState, draft: StreamEventDraft): Promise<void> {
    const delays = this.options.retryDelaysMs ?? [100, 400, 1600];
    for (let attempt = 0; ; attempt++) {
      try {
        if (state.lastSeq === undefined) state.lastSeq = await this.firstNumber(draft);
        const event = await this.storeAndAnnounce(draft, state.lastSeq);
        state.lastSeq = event.seq;
        return;
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined) {
          this.lostTotal += 1;
          this.options.logger.warn('stream event could not be stored; it is missing from the task stream', { task_id: draft.task_id, event: draft.event, error_message: message(err) });
          return;
        }
        // The hint may be what failed (a number taken meanwhile): read it again next time.
        state.lastSeq = undefined;
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }

  /** Stores the event (in the window's batch, when on), then announces it; resolves once stored. */
  private async storeAndAnnounce(draft: StreamEventDraft, lastSeq: number): Promise<StreamEvent> {
    if (this.batch) return this.batch.write(draft, lastSeq);
    const event = await this.options.store.append(draft, lastSeq);
    await this.options.bus.publish(event).catch((err: unknown) => this.unannounced(event, err));
    return event;
  }

  private unannounced(event: StreamEvent, err: unknown): void {
    // Subscribers read the store when they see a gap or on their next heartbeat.
    this.options.logger.warn('stream event stored but not announced; streams catch up from the store', { task_id: event.task_id, seq: event.seq, error_message: message(err) });
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
