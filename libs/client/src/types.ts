/** Friendly names for the generated types (src/generated/openapi.ts). */
import type { components, operations } from './generated/openapi';

type Schemas = components['schemas'];

export type Task = Schemas['Task'];
export type TaskStatus = Schemas['TaskStatus'];
export type TaskSummary = Schemas['TaskSummary'];
export type TaskList = Schemas['TaskList'];
export type TaskEvents = Schemas['TaskEvents'];
/** `GET /v1/usage`: the caller's own tenant today. */
export type TenantUsage = Schemas['TenantUsage'];
export type TaskEvent = Schemas['TaskEvent'];
export type TaskWebhooks = Schemas['TaskWebhooks'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookAttempt = Schemas['WebhookAttempt'];
export type TaskRetried = Schemas['TaskRetried'];
export type ExecuteRequest = Schemas['ExecuteRequest'];
export type ExecuteAccepted = Schemas['ExecuteAccepted'];
export type ErrorBody = Schemas['Error'];
/** `error.type` of the API's error shape. */
export type ApiErrorType = ErrorBody['error']['type'];
/** The filters and page size of `GET /v1/tasks` (`cursor` is the client's business in `list`). */
export type ListTasksParams = Omit<NonNullable<operations['listTasks']['parameters']['query']>, 'cursor'>;

/** The statuses a task ends in. */
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (status: TaskStatus): boolean => TERMINAL_STATUSES.includes(status);
