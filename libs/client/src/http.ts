/**
 * The one place the client calls `fetch`: base URL, API key, per-attempt timeout, the caller's
 * AbortSignal, the API's error shape turned into ApiError, and retries by a RetryPolicy.
 */
import { AbortError, ApiError, NetworkError, TimeoutError, type ApiErrorDetail } from './errors';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, sleep, type RetryPolicy } from './retry';
import type { ApiErrorType } from './types';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Where the API is, e.g. `https://api.example.com` (no `/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when the deployment has API keys. */
  apiKey?: string;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Per attempt, until the whole answer is read (for a stream, until it starts). Default 30 000 ms. */
  timeoutMs?: number;
  /** Retries of safe requests. Default `{ retries: 3, baseDelayMs: 250, maxDelayMs: 30000 }`. */
  retry?: Partial<RetryPolicy>;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** For tests: the jitter's random source. */
  random?: () => number;
}

/**
 * What may be retried:
 * - `safe`: the request can be repeated (reads, cancel, a submit with an Idempotency-Key): network
 *   errors, timeouts, 429, 502, 503, 504;
 * - `unprocessed`: only answers that say the API did not act (429, 503);
 * - `never`.
 */
export type RetryMode = 'safe' | 'unprocessed' | 'never';

export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  retry: RetryMode;
  /** A 409 on a repeated attempt is retried too (a submit whose first attempt the API is still processing). */
  retryConflictOnRepeat?: boolean;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

const RETRYABLE_STATUS: Record<Exclude<RetryMode, 'never'>, number[]> = { safe: [429, 502, 503, 504], unprocessed: [429, 503] };

export class HttpTransport {
  readonly policy: RetryPolicy;
  private readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;

  constructor(private readonly options: TransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
    if (options.fetch) this.fetchFn = options.fetch;
    else if (globalFetch) this.fetchFn = (input, init) => globalFetch.call(globalThis, input, init); // browsers want globalThis as `this`
    else throw new TypeError('No fetch: pass options.fetch.');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  url(path: string, query: RequestSpec['query'] = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** A JSON request, retried by `spec.retry`; resolves with the parsed 2xx body. @throws ApiError, NetworkError, TimeoutError, AbortError */
  async json<T>(spec: RequestSpec): Promise<HttpResponse<T>> {
    return this.withRetries(spec, async (attempt) => {
      const { response, finish } = await this.open(spec, attempt, 'application/json');
      try {
        const text = await response.text().catch((err: unknown) => {
          throw this.failure(err, spec, attempt);
        });
        if (!response.ok) throw apiError(response, text);
        return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
      } finally {
        finish();
      }
    });
  }

  /**
   * Opens a streaming GET (retried like a safe request until it starts): the response once its
   * status is 2xx; the timeout stops applying then, `spec.signal` keeps applying. `close` ends the
   * connection and lets go of the signal: call it once done with the body.
   */
  async stream(spec: RequestSpec): Promise<{ response: Response; close: () => void }> {
    return this.withRetries(spec, async (attempt) => {
      const { response, finish, abort } = await this.open(spec, attempt, 'text/event-stream', true);
      const close = () => {
        finish();
        abort();
      };
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        close();
        throw apiError(response, text);
      }
      return { response, close };
    });
  }

  private async withRetries<T>(spec: RequestSpec, run: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run(attempt);
      } catch (err) {
        if (attempt >= this.policy.retries || !this.retryable(err, spec, attempt)) throw err;
        const retryAfterMs = err instanceof ApiError ? err.retryAfterMs : null;
        await sleep(retryDelay(attempt, this.policy, retryAfterMs, this.options.random), spec.signal);
      }
    }
  }

  private retryable(err: unknown, spec: RequestSpec, attempt: number): boolean {
    if (spec.retry === 'never' || err instanceof AbortError) return false;
    if (err instanceof ApiError) {
      if (spec.retryConflictOnRepeat && attempt > 0 && err.status === 409) return true;
      return RETRYABLE_STATUS[spec.retry].includes(err.status);
    }
    return spec.retry === 'safe' && (err instanceof NetworkError || err instanceof TimeoutError);
  }

  /** Sends one attempt; `finish` clears its timer and lets go of the signal (call it once the answer is read), `abort` ends it. */
  private async open(spec: RequestSpec, attempt: number, accept: string, keepSignal = false): Promise<{ response: Response; finish: () => void; abort: () => void }> {
    if (spec.signal?.aborted) throw new AbortError('Aborted.');
    const controller = new AbortController();
    const timeoutMs = spec.timeoutMs ?? this.timeoutMs;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const release = () => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
    };
    const headers: Record<string, string> = { Accept: accept, ...this.options.headers, ...spec.headers };
    if (this.options.apiKey) headers['Authorization'] = `Bearer ${this.options.apiKey}`;
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.body);
    }
    try {
      const response = await this.fetchFn(this.url(spec.path, spec.query), { method: spec.method, headers, body, signal: controller.signal });
      // A stream's timeout ends once it starts; it follows the caller's signal until closed.
      if (keepSignal) clearTimeout(timer);
      return { response, finish: release, abort: () => controller.abort() };
    } catch (err) {
      release();
      throw timedOut ? new TimeoutError(`${spec.method} ${spec.path}: no answer within ${timeoutMs} ms (attempt ${attempt + 1}).`) : this.failure(err, spec, attempt);
    }
  }

  private failure(err: unknown, spec: RequestSpec, attempt: number): Error {
    if (spec.signal?.aborted) return new AbortError('Aborted.');
    if (err instanceof ApiError || err instanceof AbortError || err instanceof TimeoutError) return err;
    return new NetworkError(`${spec.method} ${spec.path}: ${(err as Error)?.message ?? String(err)} (attempt ${attempt + 1}).`, { cause: err });
  }
}

interface ErrorBody {
  error?: { type?: unknown; message?: unknown; request_id?: unknown; details?: unknown };
}

/** The API's error shape as an ApiError; another body (a proxy's page) as type UNKNOWN with the header's request id. */
export function apiError(response: Response, text: string): ApiError {
  let parsed: ErrorBody | undefined;
  try {
    parsed = JSON.parse(text) as ErrorBody;
  } catch {
    parsed = undefined;
  }
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const headerId = response.headers.get('x-request-id');
  const e = parsed?.error;
  if (e && typeof e.type === 'string' && typeof e.message === 'string') {
    const details = Array.isArray(e.details) ? (e.details as ApiErrorDetail[]) : [];
    return new ApiError(e.type as ApiErrorType, response.status, e.message, typeof e.request_id === 'string' ? e.request_id : headerId, details, retryAfterMs);
  }
  return new ApiError('UNKNOWN', response.status, text.slice(0, 200) || response.statusText || 'no body', headerId, [], retryAfterMs);
}
