/**
 * A lease that at most one process holds at a time (the Redis adapter is
 * messaging's `RedisLock`). Work done under it must still be idempotent: a lease
 * narrows overlap, it does not make it impossible.
 */
export interface Lease {
  /** Extends the lease when held, else tries to take it. True while held. */
  hold(): Promise<boolean>;
  /** Gives the lease back if still held. Never throws. */
  release(): Promise<void>;
}

/**
 * One-shot claims shared by every worker: the first `claim` of a key within
 * `ttlMs` wins, every other one is told no. For work that one worker should do
 * once per period (the metrics snapshot of an interval).
 */
export interface Claims {
  claim(key: string, ttlMs: number): Promise<boolean>;
}
