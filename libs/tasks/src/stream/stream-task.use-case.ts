/**
 * Serves one task's live progress stream: the events after the client's last one, from the store,
 * then the live ones from the bus, in order, each once; a terminal event carries the task and ends
 * the stream. Subscribed before the store is read, so nothing published meanwhile is missed;
 * a live event that does not follow the last one sent (a pub/sub message lost or late) makes the
 * session read the store instead, and so does every heartbeat, so a lost announcement only delays
 * an event by one heartbeat.
 */
import { isTerminalStatus, isTerminalStreamEvent, type StreamEvent, type Task } from '@agent-orchestrator/domain';
import type { TaskRepository, TaskStreamRepository } from '@agent-orchestrator/persistence';
import type { Logger } from '../ports/logger.port';
import type { StreamSubscription, TaskStreamBus } from '../ports/task-stream.port';
import { parseTaskId } from '../support/task-id';
import { parseLastEventId } from './last-event-id';
import { findOwnTask } from '../tenancy/own-task';

/** Events read from the store per query. */
const PAGE = 200;

export interface StreamTaskDeps {
  tasks: Pick<TaskRepository, 'findById'>;
  stream: Pick<TaskStreamRepository, 'listAfter'>;
  bus: Pick<TaskStreamBus, 'subscribe'>;
  logger: Pick<Logger, 'warn'>;
  /** A heartbeat (and a read of the store) every this many ms (STREAM_HEARTBEAT_MS). */
  heartbeatMs: number;
  /**
   * A finished task whose terminal event is not in the store (older than the stream, or its write
   * was lost) ends its stream once it has been finished this long. Default 60 s.
   */
  endedGraceMs?: number;
  now?: () => Date;
}

/** Where a session sends what it serves (the api route writes it as Server-Sent Events). */
export interface StreamSink {
  /** One event; `task` is the task after a terminal event (null otherwise). */
  event(event: StreamEvent, task: Task | null): void;
  heartbeat(): void;
  /** The stream is over (after a terminal event, or a finished task with nothing more to send). */
  end(): void;
}

export interface StreamRequest {
  task_id: unknown;
  /** The caller's tenant: another tenant's task is not found. */
  tenant_id: string;
  /** The `Last-Event-ID` header, which wins over `last_event_id`. */
  last_event_id_header?: unknown;
  /** The `last_event_id` query parameter. */
  last_event_id_query?: unknown;
}

export class StreamTask {
  private readonly sessions = new Set<TaskStreamSession>();

  constructor(private readonly deps: StreamTaskDeps) {}

  /** Streams open now. */
  get open_sessions(): number {
    return this.sessions.size;
  }

  /** Ends every open stream (the api's shutdown: their clients reconnect, with Last-Event-ID, to another process). */
  async endAll(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.end()));
  }

  /**
   * Checks the request and subscribes; nothing is sent until `start`.
   * @throws ValidationError (task id, last event id), NotFoundError, ServiceUnavailableError
   */
  async open(request: StreamRequest): Promise<TaskStreamSession> {
    const taskId = parseTaskId(request.task_id);
    const after = parseLastEventId(request.last_event_id_header, request.last_event_id_query);
    const unavailable = "The task's stream could not be opened because the database is unavailable. Try again shortly.";
    // Stream events are read by task id only: reachable through this tenant check alone.
    await findOwnTask(this.deps.tasks, taskId, request.tenant_id, unavailable);
    const session = new TaskStreamSession(taskId, after, this.deps, () => this.sessions.delete(session));
    this.sessions.add(session);
    try {
      await session.subscribe();
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }
}

export class TaskStreamSession {
  private subscription: StreamSubscription | undefined;
  private sink: StreamSink | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Live events not yet sent. */
  private live: StreamEvent[] = [];
  private pumping: Promise<void> | undefined;
  private again = false;
  private readStore = true;
  private ended = false;

  constructor(
    readonly taskId: string,
    /** The number of the last event sent (the client's Last-Event-ID at first). */
    private lastSent: number,
    private readonly deps: StreamTaskDeps,
    private readonly onClosed: () => void = () => undefined,
  ) {}

  /** @internal called by StreamTask.open */
  async subscribe(): Promise<void> {
    this.subscription = await this.deps.bus.subscribe(this.taskId, (event) => {
      if (this.ended || event.seq <= this.lastSent) return;
      this.live.push(event);
      this.kick();
    });
  }

  /** Starts sending: the history after the last event id, then the live events, with a heartbeat every `heartbeatMs`. */
  start(sink: StreamSink): void {
    if (this.ended) return;
    this.sink = sink;
    this.timer = setInterval(() => {
      if (this.ended) return;
      sink.heartbeat();
      this.readStore = true;
      this.kick();
    }, this.deps.heartbeatMs);
    this.timer.unref();
    this.kick();
  }

  /** The last event id sent so far. */
  get lastEventId(): number {
    return this.lastSent;
  }

  /** Frees everything at once (subscription, timer); the sink hears nothing more. Safe to call twice. */
  async close(): Promise<void> {
    this.ended = true;
    clearInterval(this.timer);
    this.live = [];
    this.onClosed();
    await this.subscription?.close();
  }

  /** Ends the stream now: frees everything and tells the sink it is over. */
  async end(): Promise<void> {
    if (this.ended) return;
    const sink = this.sink;
    const closed = this.close();
    sink?.end();
    await closed;
  }

  private kick(): void {
    if (!this.sink || this.ended) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => (this.pumping = undefined));
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.drain();
      } catch (err) {
        // Tried again on the next heartbeat.
        this.readStore = true;
        this.deps.logger.warn('task stream could not be read; retrying on the next heartbeat', { task_id: this.taskId, error_message: err instanceof Error ? err.message : String(err) });
        return;
      }
    } while (this.again && !this.ended);
  }

  private async drain(): Promise<void> {
    while (!this.ended) {
      this.live = this.live.filter((e) => e.seq > this.lastSent).sort((a, b) => a.seq - b.seq);
      const next = this.live[0];
      if (next && next.seq === this.lastSent + 1) {
        this.live.shift();
        await this.send(next);
        continue;
      }
      // Nothing in order to send live: read the store (the start, a heartbeat, or a gap).
      if (!this.readStore && this.live.length === 0) return;
      this.readStore = false;
      const page = await this.deps.stream.listAfter(this.taskId, this.lastSent, { limit: PAGE });
      for (const event of page) {
        if (this.ended) return;
        await this.send(event);
      }
      if (page.length === PAGE) {
        this.readStore = true;
        continue;
      }
      if (page.length === 0) {
        // The live events ahead are not in the store (purged?): wait for the next heartbeat.
        this.live = [];
        await this.endIfFinishedWithoutEvent();
        return;
      }
    }
  }

  private async send(event: StreamEvent): Promise<void> {
    if (event.seq !== this.lastSent + 1 || !this.sink) return;
    const terminal = isTerminalStreamEvent(event.event);
    const task = terminal ? await this.deps.tasks.findById(this.taskId) : null;
    if (this.ended) return;
    this.sink.event(event, task);
    this.lastSent = event.seq;
    if (!terminal) return;
    // A task retried after it failed has events after this one: the stream goes on then.
    const later = this.live.some((e) => e.seq > event.seq) || (await this.deps.stream.listAfter(this.taskId, event.seq, { limit: 1 })).length > 0;
    if (!later) await this.end();
  }

  /** A finished task whose terminal event is missing from the store ends its stream after a grace period. */
  private async endIfFinishedWithoutEvent(): Promise<void> {
    const task = await this.deps.tasks.findById(this.taskId);
    if (!task || !isTerminalStatus(task.status)) return;
    const now = (this.deps.now ?? (() => new Date()))();
    const finishedAt = task.completed_at ?? task.updated_at;
    if (now.getTime() - finishedAt.getTime() >= (this.deps.endedGraceMs ?? 60_000)) await this.end();
  }

}
