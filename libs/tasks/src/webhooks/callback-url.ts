import { CALLBACK_URL_MAX_LENGTH, ValidationError, callbackUrlPattern } from '@agent-orchestrator/domain';

export interface CallbackUrlRules {
  /** http:// is accepted too (development: a receiver on localhost); otherwise https only. */
  allowHttp: boolean;
}

function refuse(message: string, field: string): never {
  throw new ValidationError(message, [{ field, message }]);
}

/**
 * A callback URL as accepted at submit (and for a key's default): an absolute https URL (http only
 * when `allowHttp`), at most CALLBACK_URL_MAX_LENGTH characters, with a host, without credentials
 * (`user:pass@`) and without a fragment, of the form `callbackUrlPattern` states (the OpenAPI
 * document's pattern). The specific checks come first for their clearer messages. Which addresses it may reach is decided at delivery,
 * after DNS (ssrf.ts). Returns the URL as given. @throws ValidationError naming `field`
 */
export function checkCallbackUrl(value: unknown, rules: CallbackUrlRules, field = 'callback_url'): string {
  if (typeof value !== 'string') refuse(`${field} must be a string`, field);
  if (value.length === 0) refuse(`${field} must not be empty`, field);
  if (value.length > CALLBACK_URL_MAX_LENGTH) refuse(`${field} must be at most ${CALLBACK_URL_MAX_LENGTH} characters long`, field);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse(`${field} must be an absolute URL`, field);
  }
  const schemes = rules.allowHttp ? 'https or http' : 'https';
  if (url.protocol !== 'https:' && !(rules.allowHttp && url.protocol === 'http:'))
    refuse(`${field} must use ${schemes} (got ${url.protocol.replace(/:$/, '')})`, field);
  if (!url.hostname) refuse(`${field} must name a host`, field);
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value)) refuse(`${field} must not carry credentials (user:password@)`, field);
  if (url.hash || value.includes('#')) refuse(`${field} must not have a fragment (#...)`, field);
  // eslint-disable-next-line no-control-regex -- control characters and spaces are what is refused
  if (/[\u0000-\u0020\u007f]/.test(value)) refuse(`${field} must not contain spaces or control characters`, field);
  if (!callbackUrlPattern(rules.allowHttp).test(value)) {
    refuse(
      `${field} must be a host name or IPv4 address, an optional port, then a path and query of printable ASCII (no IPv6 literal, no punycode host)`,
      field,
    );
  }
  return value;
}
