/**
 * Raw Redis calls made in one event-loop turn, sent as one pipeline: the api's rate limiter makes one
 * script call per request, and under load the requests that arrive together would each pay a socket
 * write of their own. Here they leave together at the end of the turn (`setImmediate`, no timer), or
 * at once past `maxBatch`, and each caller gets its own reply or its own error, as with
 * `client.call`. A failure of the whole pipeline (connection lost, command timeout) rejects every
 * call of the batch with that error. Alone, a call is a plain `client.call`.
 */
import type { RateLimitRedis } from './rate-limit-redis';

/** What the batcher needs of an ioredis client: `call` and a pipeline that can `call`. */
export interface PipelineClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  pipeline(): { call(command: string, ...args: string[]): unknown; exec(): Promise<[Error | null, unknown][] | null> };
}

/** Past this many calls a batch is sent at once (a bound on one write). */
export const MAX_PIPELINED_CALLS = 128;

interface Waiting {
  command: string;
  args: string[];
  resolve: (reply: unknown) => void;
  reject: (err: unknown) => void;
}

export class TurnPipeline implements RateLimitRedis {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly client: PipelineClient,
    private readonly maxBatch = MAX_PIPELINED_CALLS,
  ) {}

  call(command: string, ...args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ command, args, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.send();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.send();
        });
      }
    });
  }

  private send(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    if (batch.length === 1) {
      const [only] = batch as [Waiting];
      this.client.call(only.command, ...only.args).then(only.resolve, only.reject);
      return;
    }
    const pipeline = this.client.pipeline();
    for (const w of batch) pipeline.call(w.command, ...w.args);
    pipeline.exec().then(
      (replies) => {
        batch.forEach((w, i) => {
          const [err, reply] = replies?.[i] ?? [new Error('Redis returned no reply for a pipelined call'), undefined];
          if (err) w.reject(err);
          else w.resolve(reply);
        });
      },
      (err: unknown) => {
        for (const w of batch) w.reject(err);
      },
    );
  }
}
