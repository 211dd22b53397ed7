/**
 * `stream`: the typed events of one task as an async iterator that reconnects by itself, resuming
 * with `Last-Event-ID` so no event is lost or repeated, until the terminal event.
 */
import { AbortError, AgentOrchestratorError, ApiError, NetworkError } from './errors';
import type { HttpTransport } from './http';
import { backoffDelay, sleep } from './retry';
import { SseParser, readSse } from './sse';
import { isTerminalEvent, type TaskStreamEvent } from './stream-types';

export interface StreamOptions {
  /** Resume after this event id (what a previous stream yielded last). */
  lastEventId?: number | string;
  signal?: AbortSignal;
  /** Reconnects in a row without receiving an event before giving up. Default: the client's retry policy's `retries`. */
  maxReconnects?: number;
}

/** The stream broke in a way reconnecting cannot fix (a message that is not the contract's JSON). */
export class StreamProtocolError extends AgentOrchestratorError {
  override readonly name = 'StreamProtocolError';
}

export const streamPath = (taskId: string): string => `/v1/tasks/${encodeURIComponent(taskId)}/stream`;

/** 4xx answers other than 408 and 429 will not change by reconnecting. */
const permanent = (err: unknown): boolean => err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;

export async function* streamTask(transport: HttpTransport, taskId: string, options: StreamOptions = {}): AsyncGenerator<TaskStreamEvent, void, undefined> {
  const { signal } = options;
  const maxReconnects = options.maxReconnects ?? transport.policy.retries;
  let last = options.lastEventId === undefined ? null : Number(options.lastEventId);
  let failures = 0;
  for (;;) {
    const parser = new SseParser();
    let error: unknown = new NetworkError(`The stream of task ${taskId} ended before the task did.`);
    let close = (): void => undefined;
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
      for await (const message of readSse(response.body, parser)) {
        const id = Number(message.id);
        // Never yield an event twice, whatever the server resends.
        if (message.id !== null && last !== null && id <= last) continue;
        let event: TaskStreamEvent;
        try {
          event = { ...(JSON.parse(message.data) as Omit<TaskStreamEvent, 'id'>), id } as TaskStreamEvent;
        } catch {
          throw new StreamProtocolError(`Event ${message.id ?? '?'} (${message.event}) is not JSON.`);
        }
        if (message.id !== null) last = id;
        failures = 0;
        yield event;
        if (isTerminalEvent(event)) return;
      }
      // Closed before the terminal event (a proxy, a deploy): reconnect.
    } catch (err) {
      if (err instanceof AbortError || err instanceof StreamProtocolError || permanent(err)) throw err;
      if (signal?.aborted) throw new AbortError('Aborted.');
      error = err;
    } finally {
      close();
    }
    if (failures >= maxReconnects) throw error;
    failures++;
    await sleep(parser.retryMs ?? backoffDelay(failures - 1, transport.policy), signal);
  }
}
