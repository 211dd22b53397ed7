import type { StreamEvent } from '@agent-orchestrator/domain';
import type { StreamSubscription, TaskStreamBus } from '../ports/task-stream.port';

/**
 * The stream bus in memory: `publish` calls the task's subscribers at once. `drop` makes the next
 * announcements vanish (a lost pub/sub message); `published` keeps every announcement (`batches`
 * the size of each `publishMany`); `subscribers` says how many subscriptions are open.
 */
export class InMemoryStreamBus implements TaskStreamBus {
  readonly published: StreamEvent[] = [];
  private readonly listeners = new Map<string, Set<(event: StreamEvent) => void>>();
  /** How many of the next announcements to lose. */
  drop = 0;

  async publish(event: StreamEvent): Promise<void> {
    this.published.push(structuredClone(event));
    if (this.drop > 0) {
      this.drop -= 1;
      return;
    }
    for (const listener of [...(this.listeners.get(event.task_id) ?? [])]) listener(structuredClone(event));
  }

  /** Every call of `publishMany`: the number of events of each (a batch is one round trip). */
  readonly batches: number[] = [];

  async publishMany(events: readonly StreamEvent[]): Promise<(Error | undefined)[]> {
    this.batches.push(events.length);
    for (const event of events) await this.publish(event);
    return events.map(() => undefined);
  }

  async subscribe(taskId: string, onEvent: (event: StreamEvent) => void): Promise<StreamSubscription> {
    const set = this.listeners.get(taskId) ?? new Set();
    this.listeners.set(taskId, set);
    set.add(onEvent);
    return {
      close: async () => {
        set.delete(onEvent);
        if (set.size === 0) this.listeners.delete(taskId);
      },
    };
  }

  get subscribers(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
