import { CALLBACK_URL_MAX_LENGTH, ValidationError } from '@agent-orchestrator/domain';
import { checkCallbackUrl } from './callback-url';
import { CallbackPolicy } from './callback-policy';

const https = { allowHttp: false };
const dev = { allowHttp: true };

function refusal(value: unknown, rules = https): string {
  try {
    checkCallbackUrl(value, rules);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).details?.[0]?.field).toBe('callback_url');
    return (err as Error).message;
  }
  throw new Error(`accepted ${String(value)}`);
}

describe('checkCallbackUrl', () => {
  it.each(['https://example.com/hooks', 'https://hooks.example.com:8443/a/b?x=1&y=%20', 'https://203.0.113.7/h', 'https://localhost/x', 'https://a'])(
    'accepts %s',
    (url) => {
      expect(checkCallbackUrl(url, https)).toBe(url);
    },
  );

  it('accepts http only when the deployment allows it', () => {
    expect(refusal('http://localhost:8080/hook')).toMatch(/must use https \(got http\)/);
    expect(checkCallbackUrl('http://localhost:8080/hook', dev)).toBe('http://localhost:8080/hook');
  });

  it.each([
    ['ftp://example.com/x', /must use https/],
    ['javascript:alert(1)', /must use https/],
    ['https://user:pass@example.com/x', /credentials/],
    ['https://token@example.com/x', /credentials/],
    ['https://example.com/x#frag', /fragment/],
    ['https://exa mple.com/', /absolute URL|spaces/],
    ['/relative/path', /absolute URL/],
    ['', /must not be empty/],
    ['https://[::1]/x', /IPv6 literal/],
    ['https://xn--bcher-kva.example/', /punycode/],
    ['https://example.com/\u0001', /control characters/],
  ])('refuses %s', (url, message) => {
    expect(refusal(url)).toMatch(message);
  });

  it('refuses what is not a string and what is too long', () => {
    expect(refusal(42)).toMatch(/must be a string/);
    expect(refusal(`https://example.com/${'a'.repeat(CALLBACK_URL_MAX_LENGTH)}`)).toMatch(new RegExp(`at most ${CALLBACK_URL_MAX_LENGTH}`));
  });
});

describe('CallbackPolicy', () => {
  const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const keys = new Map([
    ['signed', { webhookSecret: secret, callbackUrl: 'https://default.example.com/hook' }],
    ['plain', {}],
    ['bad-default', { webhookSecret: secret, callbackUrl: 'http://insecure.example.com/hook' }],
  ]);

  it("takes the body's URL, else the key's default, else none", () => {
    const policy = new CallbackPolicy({ allowHttp: false, keys });
    expect(policy.resolve('https://mine.example.com/x', 'signed')).toBe('https://mine.example.com/x');
    expect(policy.resolve(undefined, 'signed')).toBe('https://default.example.com/hook');
    expect(policy.resolve(undefined, 'plain')).toBeNull();
    expect(policy.resolve(undefined, undefined)).toBeNull();
  });

  it('refuses a callback no secret can sign, saying what to configure', () => {
    const policy = new CallbackPolicy({ allowHttp: false, keys });
    expect(() => policy.resolve('https://mine.example.com/x', 'plain')).toThrow(/Set a "webhook_secret" for API key "plain" in API_KEYS, or WEBHOOK_SECRET/);
    expect(() => policy.resolve('https://mine.example.com/x', undefined)).toThrow(/Set WEBHOOK_SECRET/);
    // The deployment-wide secret signs for keys without their own.
    expect(new CallbackPolicy({ allowHttp: false, keys, defaultSecret: secret }).resolve('https://mine.example.com/x', 'plain')).toBe(
      'https://mine.example.com/x',
    );
  });

  it("refuses a key's default the deployment does not accept, naming the key", () => {
    expect(() => new CallbackPolicy({ allowHttp: false, keys }).resolve(undefined, 'bad-default')).toThrow(/default callback_url of API key "bad-default"/);
  });
});
