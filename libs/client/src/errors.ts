/**
 * The errors the client throws. Every failure is an `AgentOrchestratorError`:
 * - `ApiError`: the API answered with its error shape (`error.type`, status, `request_id`);
 * - `NetworkError`: no answer (connection refused or dropped, DNS, CORS);
 * - `TimeoutError`: no answer within the request's timeout, or `waitForCompletion`'s;
 * - `AbortError`: the caller's `AbortSignal` fired.
 */
import type { ApiErrorType } from './types';

export class AgentOrchestratorError extends Error {
  override readonly name: string = 'AgentOrchestratorError';
}

export interface ApiErrorDetail {
  field?: string;
  message: string;
}

/** The API answered with an error: its `error.type`, the HTTP status and the request id to quote. */
export class ApiError extends AgentOrchestratorError {
  override readonly name = 'ApiError';
  constructor(
    /** `error.type`, e.g. `NOT_FOUND`, `RATE_LIMITED`; `UNKNOWN` when the body was not the API's error shape (a proxy's page, say). */
    readonly type: ApiErrorType | 'UNKNOWN',
    readonly status: number,
    message: string,
    /** `error.request_id` (or the `X-Request-Id` header): quote it when reporting a problem. */
    readonly requestId: string | null,
    /** Validation problems, one per field. */
    readonly details: ApiErrorDetail[] = [],
    /** `Retry-After` in milliseconds, when the API sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(`${status} ${type}: ${message}${requestId ? ` (request ${requestId})` : ''}`);
  }
}

/** The request got no HTTP answer. The request may or may not have reached the API. */
export class NetworkError extends AgentOrchestratorError {
  override readonly name = 'NetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class TimeoutError extends AgentOrchestratorError {
  override readonly name = 'TimeoutError';
}

export class AbortError extends AgentOrchestratorError {
  override readonly name = 'AbortError';
}

/** `true` for the error types whose `data` is the API's error shape. */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
