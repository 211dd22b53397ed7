// Maps what the Tavily SDK throws to SearchError with a clear message and the right `retryable`.
//
// @tavily/core 0.7 rethrows every failure as a plain `Error` whose message is
// all that is left of the HTTP response (no status, no cause):
//   - `{detail: {error}}` bodies (what Tavily sends for 401/429/432/433/...) -> the `error` text only;
//   - other bodies -> `"<status> Error: <json body>"`;
//   - axios timeouts -> `"Request timed out after <n> seconds."`;
//   - anything else (connection refused, reset, malformed response) ->
//     `"An unexpected error occurred while making the request. Error: <inner>"`.
// So the status is read from the message when present and otherwise inferred
// from Tavily's documented error texts. Unknown failures are not retried.
import { SearchError } from '@agent-orchestrator/domain';

const STATUS_PREFIX = /^(\d{3}) Error: ([\s\S]*)$/;
const TIMEOUT = /^Request timed out after/i;
const UNEXPECTED = /^An unexpected error occurred while making the request\. Error: ([\s\S]*)$/;
const NETWORK = /AxiosError|ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|ENETUNREACH|EHOSTUNREACH|socket hang up|network/i;

const AUTH_TEXT = /unauthori[sz]ed|invalid api key|missing or invalid|forbidden/i;
const QUOTA_TEXT = /usage limit|pay-as-you-go|upgrade your plan|exceeds your plan/i;
const RATE_TEXT = /excessive requests|rate limit|too many requests/i;
const SERVER_TEXT = /internal server error|bad gateway|service unavailable|temporarily unavailable|gateway time-?out/i;

const MAX_DETAIL = 300;

function clip(text: string): string {
  const t = text.trim();
  return t.length > MAX_DETAIL ? `${t.slice(0, MAX_DETAIL)}…` : t;
}

function redact(text: string, secret: string | undefined): string {
  return secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

const http = (status: number | null): string => (status === null ? '' : ` (HTTP ${status})`);

const authError = (status: number | null, detail: string, cause: unknown): SearchError =>
  new SearchError(`Tavily rejected the API key${http(status)}; check TAVILY_API_KEY: ${detail}`, { cause });
const quotaError = (status: number | null, detail: string, cause: unknown): SearchError =>
  new SearchError(`Tavily usage limit reached${http(status)}: ${detail}`, { cause });
const rateError = (status: number | null, detail: string, cause: unknown): SearchError =>
  new SearchError(`Tavily rate limit hit${http(status)}: ${detail}`, { cause, retryable: true });
const unavailableError = (status: number | null, detail: string, cause: unknown): SearchError =>
  new SearchError(`Tavily is unavailable${http(status)}: ${detail}`, { cause, retryable: true });

function byStatus(status: number, detail: string, cause: unknown): SearchError {
  if (status === 401 || status === 403) return authError(status, detail, cause);
  if (status === 432 || status === 433) return quotaError(status, detail, cause);
  if (status === 429) return rateError(status, detail, cause);
  if (status === 408 || status >= 500) return unavailableError(status, detail, cause);
  return new SearchError(`Tavily rejected the search request (HTTP ${status}): ${detail}`, { cause });
}

/** A SearchError for anything a search call threw. `secret` (the API key) is scrubbed from the message. */
export function toSearchError(err: unknown, secret?: string): SearchError {
  if (err instanceof SearchError) return err;
  const e = (err ?? {}) as { name?: unknown; message?: unknown };
  const message = redact(typeof e.message === 'string' ? e.message : String(err), secret).trim();
  // A scrubbed Error is kept as the cause; the original might hold the key.
  const cause = new Error(message);

  if (e.name === 'TavilyKeylessLimitError') return new SearchError(`Tavily keyless access limit reached: ${clip(message)}`, { cause });
  if (TIMEOUT.test(message)) return new SearchError(`Tavily search timed out: ${clip(message)}`, { cause, retryable: true });

  const status = STATUS_PREFIX.exec(message);
  if (status) return byStatus(Number(status[1]), clip(status[2] ?? ''), cause);

  const unexpected = UNEXPECTED.exec(message);
  if (unexpected) {
    const inner = clip(unexpected[1] ?? '');
    return NETWORK.test(inner)
      ? new SearchError(`Could not reach Tavily: ${inner}`, { cause, retryable: true })
      : new SearchError(`Tavily returned an unexpected response: ${inner}`, { cause });
  }

  const detail = clip(message) || 'unknown error';
  if (QUOTA_TEXT.test(message)) return quotaError(null, detail, cause);
  if (AUTH_TEXT.test(message)) return authError(null, detail, cause);
  if (RATE_TEXT.test(message)) return rateError(null, detail, cause);
  if (SERVER_TEXT.test(message)) return unavailableError(null, detail, cause);
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return new SearchError(`Tavily search timed out: ${detail}`, { cause, retryable: true });
  return new SearchError(`Tavily search failed: ${detail}`, { cause });
}
