import { createHash } from 'node:crypto';
import { ApiKeyAuthenticator } from './api-key.authenticator';

/** The real module object the implementation calls into (an `import *` would be a copy). */
const nodeCrypto = jest.requireActual<typeof import('node:crypto')>('node:crypto');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const key = (id: string, secret: string) => ({ id, sha256: sha256(secret), tenant: 'default', scopes: ['admin' as const] });
const KEYS = [key('dashboard', 'dashboard-secret-0123456789'), key('ci', 'ci-secret-0123456789abcdef'), key('ops', 'ops-secret-0123456789abcdef')];

describe('ApiKeyAuthenticator', () => {
  const auth = new ApiKeyAuthenticator(KEYS);

  it('names the key a secret belongs to', () => {
    expect(auth.identify('dashboard-secret-0123456789')?.id).toBe('dashboard');
    expect(auth.identify('ci-secret-0123456789abcdef')?.id).toBe('ci');
    expect(auth.identify('ops-secret-0123456789abcdef')?.id).toBe('ops');
  });

  it.each([
    ['a wrong secret', 'not-a-configured-secret'],
    ['an empty string', ''],
    ['a prefix of a secret', 'dashboard-secret'],
    ['a secret with a trailing space', 'ci-secret-0123456789abcdef '],
    ['a secret in another case', 'CI-SECRET-0123456789ABCDEF'],
    ['the digest itself', KEYS[0]!.sha256],
    ['a very long value', 'x'.repeat(100_000)],
  ])('refuses %s', (_name, presented) => {
    expect(auth.identify(presented)).toBeNull();
  });

  it('is disabled without keys and then recognises nothing', () => {
    const open = new ApiKeyAuthenticator([]);
    expect(open.enabled).toBe(false);
    expect(open.identify('anything')).toBeNull();
    expect(auth.enabled).toBe(true);
  });

  describe('compares in constant time', () => {
    afterEach(() => jest.restoreAllMocks());

    it.each([
      ['the first key', 'dashboard-secret-0123456789'],
      ['the last key', 'ops-secret-0123456789abcdef'],
      ['no key', 'wrong-secret-0123456789'],
    ])('with timingSafeEqual over 32-byte digests, against every key, when the secret is %s', (_name, presented) => {
      const compare = jest.spyOn(nodeCrypto, 'timingSafeEqual');
      auth.identify(presented);
      // No early exit: every configured key is compared, whichever matches.
      expect(compare).toHaveBeenCalledTimes(KEYS.length);
      for (const [a, b] of compare.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    });
  });
});
