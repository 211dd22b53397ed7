/**
 * Raw Redis calls made in one event-loop turn, sent as one pipeline: the api's rate limiter makes one
 * script call per request, and under load the requests that arrive together would each pay a socket
 * write of their own. Here they leave together at the end of the turn (`setImmediate`, no timer), or
 * at once past `maxBatch`, and each caller gets its own reply or its own error, as with
 * `client.call`. A failure of the whole pipeline (connection lost, command timeout) rejects every
 * call of the batch with that error. Alone, a call is a plain `client.call`.
 */
import { TurnBatch } from '@agent-orchestrator/domain';
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
  private readonly batch: TurnBatch<Waiting>;

  constructor(
    private readonly client: PipelineClient,
    maxBatch = MAX_PIPELINED_CALLS,
  ) {
    this.batch = new TurnBatch((waiting) => this.send(waiting), maxBatch);
  }

  call(command: string, ...args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => this.batch.add({ command, args, resolve, reject }));
  }

  private send(batch: Waiting[]): void {
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
