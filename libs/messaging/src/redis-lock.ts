/**
 * A lease in Redis that at most one process holds at a time: `SET key token NX PX ttl`
 * to take it, a compare-and-extend to keep it, a compare-and-delete to give it back.
 * A holder that dies stops extending it and the lease expires after `ttlMs`, so
 * someone else takes over; a holder that stalls past the TTL finds the lease gone
 * on its next `hold()` and stops acting as the holder. Work done under it must
 * still be idempotent: a lease narrows overlap, it does not make it impossible.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The Redis commands the lease uses (an ioredis client, e.g. a Bull queue's `client`). */
export type RedisLockClient = Pick<Redis, 'set' | 'eval'>;

const EXTEND_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const DELETE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class RedisLock {
  /** Unique per lock object, so two holders in one process are told apart too. */
  readonly token: string;

  constructor(
    private readonly redis: RedisLockClient,
    readonly key: string,
    private readonly ttlMs: number,
    owner = 'lock',
  ) {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError('ttlMs must be a positive integer');
    this.token = `${owner}:${randomBytes(8).toString('hex')}`;
  }

  /** Extends the lease when this object holds it, else tries to take it. True while held. */
  async hold(): Promise<boolean> {
    const extended = await this.redis.eval(EXTEND_IF_OWNER, 1, this.key, this.token, String(this.ttlMs));
    if (extended === 1) return true;
    return (await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** Gives the lease back if this object still holds it. Never throws. */
  async release(): Promise<void> {
    try {
      await this.redis.eval(DELETE_IF_OWNER, 1, this.key, this.token);
    } catch {
      // Redis away: the lease expires on its own.
    }
  }
}
