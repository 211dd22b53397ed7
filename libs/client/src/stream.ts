/**
 * `stream`: the typed events of one task as an async iterator that reconnects by itself, resuming
 * with `Last-Event-ID` so no event is lost or repeated, until the server closes the stream after a
 * terminal event (a failed task retried meanwhile has more events after its `task.failed`: they follow).
 */
import { AbortError, AgentOrchestratorError, ApiError, NetworkError, TimeoutError } from './errors';
import type { HttpTransport } from './http';
import { backoffDelay, sleep } from './retry';
import { SseParser, readSse, type SseMessage } from './sse';
import { isKnownStreamEvent, isTerminalEvent, type TaskStreamEvent } from './stream-types';

export interface StreamOptions {
  /** Resume after this event id (what a previous stream yielded last): a whole number of 1 to 15 digits (`Last-Event-ID`). */
  lastEventId?: number | string;
  signal?: AbortSignal;
  /** Reconnects in a row without receiving an event before giving up. Default: the client's retry policy's `retries`. */
  maxReconnects?: number;
  /**
   * A connection that brings nothing, not even the server's `: ping`, for this long is taken for dead
   * (a half-open TCP connection) and replaced, resuming with Last-Event-ID. Keep it above the API's
   * STREAM_HEARTBEAT_MS (15 s by default). Default 45 000 ms; 0: never.
   */
  idleTimeoutMs?: number;
}

/** The stream broke in a way reconnecting cannot fix (a message that is not the contract's JSON). */
export class StreamProtocolError extends AgentOrchestratorError {
  override readonly name = 'StreamProtocolError';
}

export const streamPath = (taskId: string): string => `/v1/tasks/${encodeURIComponent(taskId)}/stream`;

/** 4xx answers other than 408 and 429 will not change by reconnecting. */
const permanent = (err: unknown): boolean => err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;

/** An event id as the API sends and accepts it (`Last-Event-ID`: 1 to 15 decimal digits). */
const EVENT_ID = /^\d{1,15}$/;

function startAfter(lastEventId: StreamOptions['lastEventId']): number | null {
  if (lastEventId === undefined) return null;
  const text = String(lastEventId);
  if (!EVENT_ID.test(text)) throw new RangeError(`lastEventId must be an event id (a whole number of 1 to 15 digits), not ${JSON.stringify(lastEventId)}.`);
  return Number(text);
}

/** One message as the typed event, or null for a name this client does not know (the list of names only grows). */
function toEvent(message: SseMessage): TaskStreamEvent | null {
  if (message.id === null || !EVENT_ID.test(message.id)) throw new StreamProtocolError(`A ${message.event} message has no event id (${JSON.stringify(message.id)}).`);
  let payload: unknown;
  try {
    payload = JSON.parse(message.data);
  } catch {
    throw new StreamProtocolError(`Event ${message.id} (${message.event}) is not JSON.`);
  }
  if (typeof payload !== 'object' || payload === null || typeof (payload as { event?: unknown }).event !== 'string') {
    throw new StreamProtocolError(`Event ${message.id} (${message.event}) is not a stream event.`);
  }
  const name = (payload as { event: string }).event;
  if (!isKnownStreamEvent(name)) return null;
  // The contract's JSON (generated types) plus the message's id.
  return { ...(payload as Omit<TaskStreamEvent, 'id'>), id: Number(message.id) } as TaskStreamEvent;
}

export async function* streamTask(transport: HttpTransport, taskId: string, options: StreamOptions = {}): AsyncGenerator<TaskStreamEvent, void, undefined> {
  const { signal } = options;
  const maxReconnects = options.maxReconnects ?? transport.policy.retries;
  let last = startAfter(options.lastEventId);
  let failures = 0;
  /** The last event received was terminal: the server closes the stream after it, unless the task was retried. */
  let ended = false;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  for (;;) {
    const parser = new SseParser();
    let error: unknown = new NetworkError(`The stream of task ${taskId} ended before the task did.`);
    let close = (): void => undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let idledOut = false;
    /** (Re)starts the idle timer: on its expiry the connection is closed, and replaced below. */
    const alive = (): void => {
      clearTimeout(idle);
      if (idleTimeoutMs > 0)
        idle = setTimeout(() => {
          idledOut = true;
          close();
        }, idleTimeoutMs);
    };
    try {
      const opened = await transport.stream({
        method: 'GET',
        path: streamPath(taskId),
        headers: last === null ? {} : { 'Last-Event-ID': String(last) },
        signal,
        retry: 'safe',
      });
      close = opened.close;
      const response = opened.response;
      if (!response.body) throw new StreamProtocolError('The stream answer has no body.');
      alive();
      for await (const message of readSse(response.body, parser, alive)) {
        const event = toEvent(message);
        const id = Number(message.id);
        // Never yield an event twice, whatever the server resends.
        if (last !== null && id <= last) continue;
        last = id;
        failures = 0;
        ended = event !== null && isTerminalEvent(event);
        if (event === null) continue;
        // The caller's time with the event is not the connection's silence.
        clearTimeout(idle);
        yield event;
        alive();
      }
      if (ended) return;
      // Closed before the terminal event (a proxy, a deploy): reconnect.
      if (idledOut) error = new TimeoutError(`The stream of task ${taskId} brought nothing for ${idleTimeoutMs} ms.`);
    } catch (err) {
      if (err instanceof AbortError || err instanceof StreamProtocolError || permanent(err)) throw err;
      if (signal?.aborted) throw new AbortError('Aborted.');
      // Cut just after the end: the task is over (a reconnect would wait for events that will not come).
      if (ended) return;
      if (idledOut) error = new TimeoutError(`The stream of task ${taskId} brought nothing for ${idleTimeoutMs} ms.`);
      // A body cut mid-read rejects with the runtime's own error: say what it is.
      else error = err instanceof AgentOrchestratorError ? err : new NetworkError(`The stream of task ${taskId} broke: ${(err as Error)?.message ?? String(err)}.`, { cause: err });
    } finally {
      clearTimeout(idle);
      close();
    }
    if (failures >= maxReconnects) throw error;
    failures++;
    await sleep(parser.retryMs ?? backoffDelay(failures - 1, transport.policy), signal);
  }
}
