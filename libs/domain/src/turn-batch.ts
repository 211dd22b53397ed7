/**
 * Group commit within one process: the items handed over in one event-loop turn are given to `send`
 * together, at the end of that turn (`setImmediate`, no timer: nothing waits longer than the work
 * already queued), or at once when their weight reaches `maxWeight` (a bound on one batch). Under
 * load, work that arrives together (requests, task steps, log lines) shares one round trip or one
 * write instead of making one each; alone, an item is a batch of one.
 *
 * `send` gets the items in the order they were added and owns their outcome (the batchers built on
 * this settle each caller's promise with its own result). No I/O here.
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private weight = 0;
  private scheduled = false;

  constructor(
    private readonly send: (items: T[]) => void,
    private readonly maxWeight: number,
    private readonly weigh: (item: T) => number = () => 1,
  ) {}

  /** Items waiting for the end of the turn. */
  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    this.items.push(item);
    this.weight += this.weigh(item);
    if (this.weight >= this.maxWeight) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Sends what is waiting now (nothing when nothing is). */
  flush(): void {
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.weight = 0;
    this.send(items);
  }
}
