import { ErrorType, OrchestratorError } from '@agent-orchestrator/domain';

/**
 * How many streams one client (API key, else IP) holds open in this api process at most
 * (STREAM_MAX_OPEN_PER_CLIENT): one more is refused with RATE_LIMITED (429) until one closes.
 */
export class OpenStreamLimit {
  private readonly open = new Map<string, number>();

  constructor(private readonly maxPerClient: number) {}

  /** Counts a stream of `client`; the returned function (idempotent) gives it back. @throws OrchestratorError RATE_LIMITED */
  acquire(client: string): () => void {
    const count = this.open.get(client) ?? 0;
    if (count >= this.maxPerClient) {
      throw new OrchestratorError(ErrorType.RATE_LIMITED, `Too many open streams: at most ${this.maxPerClient} per client. Close one (or wait for its task to end) and retry.`, { retryable: true });
    }
    this.open.set(client, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(client) ?? 1) - 1;
      if (left <= 0) this.open.delete(client);
      else this.open.set(client, left);
    };
  }

  /** Streams open now, all clients together. */
  get size(): number {
    let total = 0;
    for (const n of this.open.values()) total += n;
    return total;
  }
}
