/**
 * The Redis adapter of `Claims` (@agent-orchestrator/tasks): the first
 * `SET key NX PX ttl` of a key wins, every other one until it expires is told no.
 */
import type { Claims } from '@agent-orchestrator/tasks';
import type { Redis } from 'ioredis';

export const CLAIM_KEY_PREFIX = 'ao:claims:';

export class RedisClaims implements Claims {
  constructor(
    private readonly redis: Pick<Redis, 'set'>,
    /** Stored as the claim's value, to see who won. */
    private readonly owner = 'claim',
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${CLAIM_KEY_PREFIX}${key}`, this.owner, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
  }
}
