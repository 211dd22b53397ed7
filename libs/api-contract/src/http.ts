/**
 * The HTTP-level constants of the contract: paths, header names, and the patterns and limits of
 * request bodies and query strings. The OpenAPI document states them and the api enforces them, both
 * from here, so the two cannot disagree.
 */
export { IDEMPOTENCY_KEY_HEADER, MAX_TASK_PAGE_SIZE, METRICS_PATH } from '@agent-orchestrator/domain';

/** Where the OpenAPI document is served. */
export const OPENAPI_PATH = '/v1/openapi.json';
/** The human-readable docs page (Swagger UI); its files are under `${DOCS_PATH}/<name>`. */
export const DOCS_PATH = '/docs';
/** The only files the docs page loads (`GET /docs/{asset}`). */
export const DOCS_ASSET_NAMES = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png', 'docs-initializer.js'] as const;
export type DocsAssetName = (typeof DOCS_ASSET_NAMES)[number];
export const SYSTEM_METRICS_PATH = '/v1/system/metrics';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Request ids the API keeps (echoed, logged, stored): the caller's when it matches, else a new UUID. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
/** `Idempotency-Key`: 1 to 255 printable ASCII characters (space to `~`). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;

/** Session ids: letters, digits, `_` and `-`, 1 to 128 long: safe in logs, URLs and Mongo queries. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** Largest `max_tokens` budget a task may carry: far above any single task, low enough to catch typos. */
export const MAX_BUDGET_TOKENS = 10_000_000;
/** Largest `max_cost_usd` budget a task may carry. */
export const MAX_BUDGET_COST_USD = 1000;

/** The query parameters of `GET /v1/tasks`. */
export const LIST_TASKS_PARAMS = ['status', 'agent_type', 'session_id', 'created_from', 'created_to', 'limit', 'cursor'] as const;
export const DEFAULT_TASK_PAGE_SIZE = 20;
/** Agent types are short identifiers (`code`, `content`). */
export const AGENT_TYPE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** How much of the task text a summary of `GET /v1/tasks` shows, in characters (code points). */
export const TASK_PREVIEW_LENGTH = 200;
