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
  private readonly keys: readonly { key: ApiKeyConfig; digest: Buffer }[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.keys = keys.map((k) => ({ key: k, digest: Buffer.from(k.sha256, 'hex') }));
  }

  /** False when no key is configured: the API then runs open. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The key whose secret is `presented` (its id, tenant and scopes), or null when it is none of them. */
  identify(presented: string): ApiKeyConfig | null {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let match: ApiKeyConfig | null = null;
    for (const { key, digest: expected } of this.keys) {
      const equal = timingSafeEqual(digest, expected);
      match = equal && match === null ? key : match;
    }
    return match;
  }
}

