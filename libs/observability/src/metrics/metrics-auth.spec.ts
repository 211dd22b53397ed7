import { metricsTokenCheck } from './metrics-auth';

describe('metricsTokenCheck', () => {
  const token = 'scrape-token-0123456789abcdef';
  const check = metricsTokenCheck(token);

  it('accepts exactly "Bearer <token>" (scheme in any case)', () => {
    expect(check(`Bearer ${token}`)).toBe(true);
    expect(check(`bearer ${token}`)).toBe(true);
  });

  it('refuses a missing header, another scheme, a prefix, a longer token and the bare token', () => {
    for (const header of [undefined, '', `Basic ${token}`, `Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`, token, `Bearer  `, `Bearer ${token} extra`]) {
      expect(check(header)).toBe(false);
    }
  });
});
