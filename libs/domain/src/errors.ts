/**
 * Stable error types. They are part of the API contract (`error.type` on tasks
 * and HTTP errors): add new ones, never rename.
 */
export const ErrorType = {
  UNKNOWN_TASK_TYPE: 'UNKNOWN_TASK_TYPE',
  LLM_ERROR: 'LLM_ERROR',
  LLM_NOT_CONFIGURED: 'LLM_NOT_CONFIGURED',
  SEARCH_ERROR: 'SEARCH_ERROR',
  TIMEOUT: 'TIMEOUT',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  AGENT_NOT_FOUND: 'AGENT_NOT_FOUND',
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  NOT_FOUND: 'NOT_FOUND',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  CONFIG_ERROR: 'CONFIG_ERROR',
  /** HTTP: no API key, or one that matches no configured key (401). */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** HTTP: the path exists but not for this method (405, with `Allow`). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** Task: the run was stopped because it would exceed the task's `max_tokens` or `max_cost_usd`. */
  BUDGET_EXCEEDED: 'BUDGET_EXCEEDED',
  /** Task: cancelled by a client (`POST /v1/tasks/{id}/cancel`) before it finished. */
  CANCELLED: 'CANCELLED',
  /** HTTP: the request conflicts with the resource's state or an earlier request (409). */
  CONFLICT: 'CONFLICT',
  /** HTTP: the API key is valid but lacks the scope the route needs (403). */
  FORBIDDEN: 'FORBIDDEN',
  /** HTTP: the tenant already has its `max_tasks_in_flight` tasks queued or processing (429, with Retry-After). */
  TENANT_TASK_LIMIT: 'TENANT_TASK_LIMIT',
  /** HTTP: the tenant spent its daily token or cost quota; new submissions wait for midnight UTC (429, with Retry-After). */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

export interface ErrorDetail {
  field?: string;
  message: string;
}

/** Base of every error the system raises on purpose. `type` is stable; `message` is for humans. */
export class OrchestratorError extends Error {
  readonly type: ErrorType;
  readonly details?: ErrorDetail[];
  /** Whether trying again later may succeed (network blips, 429, 5xx). */
  readonly retryable: boolean;

  constructor(type: ErrorType, message: string, options: { cause?: unknown; details?: ErrorDetail[]; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.type = type;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }
}

export class UnknownTaskTypeError extends OrchestratorError {
  constructor(message: string) {
    super(ErrorType.UNKNOWN_TASK_TYPE, message);
  }
}

export class LlmError extends OrchestratorError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(ErrorType.LLM_ERROR, message, options);
  }
}

export class LlmNotConfiguredError extends OrchestratorError {
  constructor(message = 'No LLM provider is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a server that needs no key).') {
    super(ErrorType.LLM_NOT_CONFIGURED, message);
  }
}

export class SearchError extends OrchestratorError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(ErrorType.SEARCH_ERROR, message, options);
  }
}

export class TimeoutError extends OrchestratorError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorType.TIMEOUT, message, { ...options, retryable: true });
  }
}

export class BudgetExceededError extends OrchestratorError {
  constructor(message: string) {
    super(ErrorType.BUDGET_EXCEEDED, message);
  }
}

export class TaskCancelledError extends OrchestratorError {
  constructor(message = 'The task was cancelled.') {
    super(ErrorType.CANCELLED, message);
  }
}

export class AgentNotFoundError extends OrchestratorError {
  constructor(agentName: string) {
    super(ErrorType.AGENT_NOT_FOUND, `No agent named "${agentName}" is registered.`);
  }
}

export class ValidationError extends OrchestratorError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(ErrorType.VALIDATION_ERROR, message, { details });
  }
}

export class NotFoundError extends OrchestratorError {
  constructor(message: string) {
    super(ErrorType.NOT_FOUND, message);
  }
}

/** The request conflicts with the resource's state or an earlier request (HTTP 409). */
export class ConflictError extends OrchestratorError {
  constructor(message: string) {
    super(ErrorType.CONFLICT, message);
  }
}

/** A key without the scope a route needs (HTTP 403). */
export class ForbiddenError extends OrchestratorError {
  constructor(message: string) {
    super(ErrorType.FORBIDDEN, message);
  }
}

/**
 * A tenant limit refused a submission (HTTP 429): `TENANT_TASK_LIMIT` or `QUOTA_EXCEEDED`.
 * `retryAfterSeconds` is when trying again may succeed.
 */
export class TenantLimitError extends OrchestratorError {
  constructor(
    type: typeof ErrorType.TENANT_TASK_LIMIT | typeof ErrorType.QUOTA_EXCEEDED,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(type, message, { retryable: true });
  }
}

/**
 * A dependency (database, queue) is unavailable; trying again later may work. Unlike other server
 * errors its `message` is written for clients ("The task could not be stored because..."), so the
 * HTTP layer shows it as it is.
 */
export class ServiceUnavailableError extends OrchestratorError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorType.SERVICE_UNAVAILABLE, message, { ...options, retryable: true });
  }
}

export class ConfigError extends OrchestratorError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(ErrorType.CONFIG_ERROR, message, { details });
  }
}

/** Maps anything thrown to an OrchestratorError; unknown errors become INTERNAL_ERROR. */
export function toOrchestratorError(err: unknown): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new OrchestratorError(ErrorType.INTERNAL_ERROR, message || 'Unexpected error', { cause: err });
}
