/**
 * Maps anything thrown while serving a request to the one error shape the API
 * speaks. Client errors keep their message; server errors get a fixed public
 * message unless they are ApiErrors or ServiceUnavailableErrors (whose message was written for clients).
 */
import { API_VERSION, ErrorType, OrchestratorError, ServiceUnavailableError, type ErrorDetail } from '@agent-orchestrator/domain';

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * An OrchestratorError raised by the API whose message is safe to show clients,
 * whatever its status, optionally with response headers of its own (`Allow`,
 * `WWW-Authenticate`).
 */
export class ApiError extends OrchestratorError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    type: ErrorType,
    message: string,
    options: { cause?: unknown; details?: ErrorDetail[]; retryable?: boolean; headers?: Record<string, string> } = {},
  ) {
    const { headers, ...rest } = options;
    super(type, message, rest);
    this.headers = headers ?? {};
  }
}

export interface HttpError {
  status: number;
  type: ErrorType;
  message: string;
  details?: ErrorDetail[];
}

export interface ErrorBody {
  error: { type: string; message: string; details?: { field?: string; message: string }[]; request_id: string };
  api_version: string;
}

const STATUS_BY_TYPE: Partial<Record<ErrorType, number>> = {
  [ErrorType.VALIDATION_ERROR]: 400,
  [ErrorType.UNAUTHORIZED]: 401,
  [ErrorType.FORBIDDEN]: 403,
  [ErrorType.NOT_FOUND]: 404,
  [ErrorType.METHOD_NOT_ALLOWED]: 405,
  [ErrorType.CONFLICT]: 409,
  [ErrorType.PAYLOAD_TOO_LARGE]: 413,
  [ErrorType.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorType.RATE_LIMITED]: 429,
  [ErrorType.TENANT_TASK_LIMIT]: 429,
  [ErrorType.QUOTA_EXCEEDED]: 429,
  [ErrorType.SERVICE_UNAVAILABLE]: 503,
};

const PUBLIC_SERVER_MESSAGES: Partial<Record<ErrorType, string>> = {
  [ErrorType.SERVICE_UNAVAILABLE]: 'A service the API depends on is unavailable. Try again shortly.',
};
const INTERNAL_MESSAGE = 'An unexpected error occurred.';

/** Errors raised by body-parser (through express.json) carry a string `type` like `entity.too.large`. */
const BODY_PARSER_ERRORS: Record<string, { status: number; type: ErrorType; message: string }> = {
  'entity.parse.failed': { status: 400, type: ErrorType.VALIDATION_ERROR, message: 'The request body is not valid JSON.' },
  'entity.too.large': { status: 413, type: ErrorType.PAYLOAD_TOO_LARGE, message: 'The request body is too large.' },
  'request.size.invalid': { status: 400, type: ErrorType.VALIDATION_ERROR, message: 'The request body size does not match Content-Length.' },
  'request.aborted': { status: 400, type: ErrorType.VALIDATION_ERROR, message: 'The request was aborted before its body was read.' },
  'charset.unsupported': { status: 415, type: ErrorType.UNSUPPORTED_MEDIA_TYPE, message: 'The request body must be UTF-8 encoded JSON.' },
  'encoding.unsupported': { status: 415, type: ErrorType.UNSUPPORTED_MEDIA_TYPE, message: 'The request body has an unsupported Content-Encoding.' },
};

/** The HTTP status an error type is answered with; types the API does not expect are bugs (500). */
export function statusForErrorType(type: ErrorType): number {
  return STATUS_BY_TYPE[type] ?? 500;
}

function httpStatusOf(err: object): number | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 600 ? status : undefined;
}

export function toHttpError(err: unknown): HttpError {
  if (err instanceof OrchestratorError) {
    const status = statusForErrorType(err.type);
    if (status < 500) {
      return { status, type: err.type, message: err.message, ...(err.details?.length ? { details: err.details } : {}) };
    }
    const type = status === 500 ? ErrorType.INTERNAL_ERROR : err.type;
    // ApiErrors and the use cases' ServiceUnavailableErrors carry messages written for clients.
    const message = err instanceof ApiError || err instanceof ServiceUnavailableError ? err.message : (PUBLIC_SERVER_MESSAGES[type] ?? INTERNAL_MESSAGE);
    return { status, type, message };
  }
  if (err !== null && typeof err === 'object') {
    const parserType = (err as { type?: unknown }).type;
    const known = typeof parserType === 'string' ? BODY_PARSER_ERRORS[parserType] : undefined;
    if (known) return { ...known };
    // Other client errors raised by Express itself (e.g. a path parameter that is not valid URI encoding).
    const status = httpStatusOf(err);
    if (status !== undefined && status < 500) {
      const type = (Object.keys(STATUS_BY_TYPE) as ErrorType[]).find((t) => STATUS_BY_TYPE[t] === status) ?? ErrorType.VALIDATION_ERROR;
      return { status: STATUS_BY_TYPE[type] ?? 400, type, message: 'The request could not be processed.' };
    }
  }
  return { status: 500, type: ErrorType.INTERNAL_ERROR, message: INTERNAL_MESSAGE };
}

export function errorBody(error: Pick<HttpError, 'type' | 'message' | 'details'>, requestId: string): ErrorBody {
  const details = error.details?.map((d) => (d.field === undefined ? { message: d.message } : { field: d.field, message: d.message }));
  return {
    error: { type: error.type, message: error.message, ...(details?.length ? { details } : {}), request_id: requestId },
    api_version: API_VERSION,
  };
}
