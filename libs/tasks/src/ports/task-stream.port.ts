import type { StreamEvent } from '@agent-orchestrator/domain';

/**
 * The live fan-out of tasks' stream events between processes (the Redis pub/sub adapter in
 * messaging): a publisher announces each event once it is stored; every api process serving a
 * stream of that task hears it. Delivery is best effort: the store is the truth, and a subscriber
 * that sees a gap (or hears nothing for a while) reads the store.
 */
export interface TaskStreamBus {
  publish(event: StreamEvent): Promise<void>;
  /**
   * Announces several events in one round trip, in the order given. Resolves to one entry per
   * event: `undefined` when it was announced, else why not (every event fails when the round trip
   * does). Never rejects.
   */
  publishMany(events: readonly StreamEvent[]): Promise<(Error | undefined)[]>;
  /** `onEvent` for each event of `taskId` published from now until `close()`. */
  subscribe(taskId: string, onEvent: (event: StreamEvent) => void): Promise<StreamSubscription>;
}

export interface StreamSubscription {
  /** Stops the deliveries at once; safe to call twice. */
  close(): Promise<void>;
}

/** Where a running agent's text goes as it is written (the worker: the stream publisher's coalescing `delta`). */
export interface TaskDeltas {
  delta(taskId: string, agentName: string, text: string): void;
}
