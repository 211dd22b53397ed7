import type { CancelChannel, CancelListener, CancelSubscription } from '../ports/cancel-channel.port';

/** The cancel channel in memory: what is published reaches every subscriber at once. */
export class InMemoryCancelChannel implements CancelChannel, CancelListener {
  readonly published: string[] = [];
  private readonly listeners = new Set<(taskId: string) => void>();

  async publish(taskId: string): Promise<void> {
    this.published.push(taskId);
    for (const listener of this.listeners) listener(taskId);
  }

  async subscribe(onCancel: (taskId: string) => void): Promise<CancelSubscription> {
    this.listeners.add(onCancel);
    return { close: async () => void this.listeners.delete(onCancel) };
  }
}
