/**
 * The Redis pub/sub adapter of the `TaskStreamBus` port (@agent-orchestrator/tasks): one channel
 * per task (`ao:task-stream:<task_id>`), one JSON message per stored stream event. Publishing goes
 * through any client (the worker's and the api's queue connection); subscribing shares one
 * connection of its own per process, subscribed to a task's channel while at least one stream of
 * that task is open here. Pub/sub is at most once: the stream sessions read the store on a gap and
 * on every heartbeat, so a lost message only delays an event.
 */
import { Redis } from 'ioredis';
import type { StreamEvent } from '@agent-orchestrator/domain';
import type { Logger, StreamSubscription, TaskStreamBus } from '@agent-orchestrator/tasks';
import { REDIS_DISCONNECT_TIMEOUT_MS } from './redis';

export const TASK_STREAM_CHANNEL_PREFIX = 'ao:task-stream:';

export const taskStreamChannel = (taskId: string): string => `${TASK_STREAM_CHANNEL_PREFIX}${taskId}`;

/** A stream event as sent on the channel (the timestamp as an ISO string: `Date#toJSON`, no copy of the event). */
export function encodeStreamEvent(event: StreamEvent): string {
  return JSON.stringify(event);
}

/** A message of the channel as a stream event; null when it is not one. */
export function decodeStreamEvent(message: string): StreamEvent | null {
  try {
    const v = JSON.parse(message) as Record<string, unknown>;
    if (typeof v['task_id'] !== 'string' || typeof v['event'] !== 'string' || !Number.isSafeInteger(v['seq']) || typeof v['timestamp'] !== 'string') return null;
    const data = v['data'];
    return {
      task_id: v['task_id'],
      seq: v['seq'] as number,
      event: v['event'] as StreamEvent['event'],
      timestamp: new Date(v['timestamp']),
      agent_name: typeof v['agent_name'] === 'string' ? v['agent_name'] : null,
      data: typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : {},
    };
  } catch {
    return null;
  }
}

export interface RedisTaskStreamBusOptions {
  /** Where `subscribe` connects (a connection of its own, made on the first subscription). */
  redisUrl: string;
  /** Publishes (the process's usual client; `publishMany` in one pipeline); a publish not answered within `publishTimeoutMs` fails. */
  publisher: Pick<Redis, 'publish' | 'pipeline'>;
  publishTimeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
  /** Shown by `CLIENT LIST`. Default `ao-task-stream`. */
  connectionName?: string;
}

export class RedisTaskStreamBus implements TaskStreamBus {
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<(event: StreamEvent) => void>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: RedisTaskStreamBusOptions) {}

  async publish(event: StreamEvent): Promise<void> {
    await this.answeredWithin(this.options.publisher.publish(taskStreamChannel(event.task_id), encodeStreamEvent(event)), 'PUBLISH');
  }

  async publishMany(events: readonly StreamEvent[]): Promise<(Error | undefined)[]> {
    if (events.length === 0) return [];
    const pipeline = this.options.publisher.pipeline();
    for (const event of events) pipeline.publish(taskStreamChannel(event.task_id), encodeStreamEvent(event));
    try {
      const replies = await this.answeredWithin(pipeline.exec(), `pipeline of ${events.length} PUBLISH`);
      return events.map((_, i) => {
        const reply = replies?.[i];
        if (!reply) return new Error('Redis gave no reply to this PUBLISH of the pipeline');
        return reply[0] ?? undefined;
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return events.map(() => error);
    }
  }

  async subscribe(taskId: string, onEvent: (event: StreamEvent) => void): Promise<StreamSubscription> {
    const client = this.connection();
    const channel = taskStreamChannel(taskId);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
    }
    set.add(onEvent);
    if (set.size === 1) {
      try {
        await client.subscribe(channel);
      } catch (err) {
        // The stream still works from the store on each heartbeat; ioredis re-subscribes on reconnect.
        this.options.logger?.warn('task stream subscription failed; the stream reads the store on each heartbeat', { task_id: taskId, error_message: (err as Error).message });
      }
    }
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        const current = this.listeners.get(channel);
        current?.delete(onEvent);
        if (current && current.size === 0) {
          this.listeners.delete(channel);
          await client.unsubscribe(channel).catch(() => undefined);
        }
      },
    };
  }

  /** Open subscriptions (all tasks together). */
  get subscriptions(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Closes the subscriber connection. Safe to call twice. */
  close(): Promise<void> {
    this.listeners.clear();
    const client = this.subscriber;
    if (!client) return Promise.resolve();
    this.closing ??= client.quit().then(
      () => undefined,
      () => client.disconnect(),
    );
    return this.closing;
  }

  /** `reply`, or a rejection when Redis has not answered within `publishTimeoutMs`. */
  private async answeredWithin<T>(reply: Promise<T>, what: string): Promise<T> {
    const ms = this.options.publishTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis ${what} not answered within ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([reply, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    // Like the cancel listener: no command timeout (SUBSCRIBE holds the connection), reconnects forever, re-subscribes by itself.
    const client = new Redis(this.options.redisUrl, { connectionName: this.options.connectionName ?? 'ao-task-stream', maxRetriesPerRequest: null, retryStrategy: (attempt) => Math.min(100 * attempt, 2000), disconnectTimeout: REDIS_DISCONNECT_TIMEOUT_MS });
    client.on('error', (err: Error) => this.options.logger?.warn('task stream subscriber error; streams read the store on each heartbeat', { error_message: err.message }));
    client.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      const event = decodeStreamEvent(message);
      if (!event || taskStreamChannel(event.task_id) !== channel) return;
      for (const listener of [...set]) listener(event);
    });
    this.subscriber = client;
    return client;
  }
}
