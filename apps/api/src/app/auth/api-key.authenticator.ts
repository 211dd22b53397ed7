import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from '@agent-orchestrator/config';

/**
 * Tells which configured API key a presented secret is, in constant time.
 *
 * The presented value is hashed first, so every comparison is between two
 * 32-byte digests: its length tells nothing, and `timingSafeEqual` never
 * throws on a length mismatch. It is then compared with every configured key,
 * without stopping at a match, so the time taken does not say which key (or
 * how many) came before the right one.
 */
export class ApiKeyAuthenticator {
  private readonly keys: readonly { id: string; digest: Buffer }[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.keys = keys.map((k) => ({ id: k.id, digest: Buffer.from(k.sha256, 'hex') }));
  }

  /** False when no key is configured: the API then runs open. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The id of the key whose secret is `presented`, or null when it is none of them. */
  identify(presented: string): string | null {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let match: string | null = null;
    for (const key of this.keys) {
      const equal = timingSafeEqual(digest, key.digest);
      match = equal && match === null ? key.id : match;
    }
    return match;
  }
}

