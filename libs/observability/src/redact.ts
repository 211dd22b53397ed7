/** Keys whose values are secrets wherever they appear in a log record (`x-api-key`, `Authorization`, ...). */
const SECRET_KEY = /(pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key|signature)/i;
/** Ids name a secret without being one (`api_key_id`): logged as they are. */
const IDENTIFIER_KEY = /(_id|Id)$/;
/** Token counts (`total_tokens`, `max_tokens`) are figures, not secrets, when they are numbers. */
const TOKEN_COUNT_KEY = /tokens$/i;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)(:[^/@\s]*)?@/gi;
const BEARER = /\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g;
const KNOWN_KEY_SHAPES = /\b(sk-[A-Za-z0-9_-]{8,}|tvly-[A-Za-z0-9_-]{8,}|whsec_[A-Za-z0-9+/=]{8,})/g;
/** `X-API-Key: <key>` written out as text (a dumped header block, a curl line). */
const API_KEY_HEADER = /\b(x-api-key["']?\s*[:=]\s*["']?)[^\s"',;]+/gi;

/**
 * What any of the four patterns above needs to find in a string (a superset: case-insensitive): a
 * string without any of it has nothing to redact, and most logged strings (ids, routes, messages)
 * are such strings, so they skip the four replacements for one scan.
 */
const MAY_HOLD_SECRET = /:\/\/|bearer|x-api-key|sk-|tvly-|whsec_/i;

export const REDACTED = '[REDACTED]';

/** Removes credentials from free text: URL user:password, bearer tokens, provider key shapes. */
export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  return text
    .replace(URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(API_KEY_HEADER, `$1${REDACTED}`)
    .replace(KNOWN_KEY_SHAPES, REDACTED);
}

/** The value to log for field `key`: fully hidden when the name says secret, else deep-redacted. */
export function redactField(key: string, value: unknown, depth = 0): unknown {
  const secret = SECRET_KEY.test(key) && !IDENTIFIER_KEY.test(key) && !(TOKEN_COUNT_KEY.test(key) && typeof value === 'number');
  return secret && value !== undefined && value !== null && value !== '' ? REDACTED : redact(value, depth);
}

/** Deep copy of `value` with secret-named fields and credentials in strings redacted. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = redactField(k, v, depth + 1);
    }
    return out;
  }
  return value;
}
