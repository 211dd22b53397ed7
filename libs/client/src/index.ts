export { AgentOrchestratorClient, createClient, type CallOptions, type ClientOptions, type SubmitOptions, type SubmitResult } from './client';
export { AbortError, AgentOrchestratorError, ApiError, NetworkError, TimeoutError, isApiError, type ApiErrorDetail } from './errors';
export type { FetchLike, TransportOptions } from './http';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export { StreamProtocolError, type StreamOptions } from './stream';
export {
  STREAM_EVENT_NAMES,
  TERMINAL_STREAM_EVENTS,
  isTerminalEvent,
  type DeltaEvent,
  type LifecycleEvent,
  type TaskLifecycleEventName,
  type TaskStreamEvent,
  type TaskStreamEventName,
  type TerminalEvent,
  type TerminalStreamEventName,
} from './stream-types';
export { TERMINAL_STATUSES, isTerminal } from './types';
export type { ApiErrorType, ErrorBody, ExecuteAccepted, ExecuteRequest, ListTasksParams, Task, TaskEvent, TaskEvents, TaskList, TaskRetried, TaskStatus, TaskSummary, TaskWebhooks, TenantUsage, WebhookAttempt, WebhookDelivery } from './types';
export type { WaitOptions } from './wait';
export type { components, operations, paths } from './generated/openapi';
