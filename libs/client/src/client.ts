/**
 * The client: one method per thing a frontend does with the API, typed by the OpenAPI document.
 * Runs on `fetch` alone (Node 20+, browsers, workers).
 */
import { HttpTransport, type TransportOptions } from './http';
import { newIdempotencyKey } from './idempotency-key';
import { streamTask, type StreamOptions } from './stream';
import type { TaskStreamEvent } from './stream-types';
import type { ExecuteAccepted, ExecuteRequest, ListTasksParams, Task, TaskEvents, TaskList, TaskRetried, TaskSummary, TaskWebhooks, TenantUsage } from './types';
import { waitForCompletion, type WaitOptions } from './wait';

export type ClientOptions = TransportOptions;

export interface CallOptions {
  signal?: AbortSignal;
  /** This call's timeout per attempt, instead of the client's. */
  timeoutMs?: number;
  /** Sent as `X-Request-Id` (1 to 128 of `A-Z a-z 0-9 . _ : -`), to correlate with the API's logs. */
  requestId?: string;
}

export interface SubmitOptions extends CallOptions {
  /** Default: a new UUID per `submit` call, reused by its retries. `false`: send none (then only 429/503 are retried). */
  idempotencyKey?: string | false;
}

export interface SubmitResult extends ExecuteAccepted {
  /** The key sent, to repeat the submit safely later (null when none was sent). */
  idempotency_key: string | null;
  /** `true` when the API answered with the task an earlier request with this key created. */
  replayed: boolean;
}

const taskPath = (taskId: string, suffix = ''): string => `/v1/tasks/${encodeURIComponent(taskId)}${suffix}`;

export class AgentOrchestratorClient {
  private readonly http: HttpTransport;

  constructor(options: ClientOptions) {
    this.http = new HttpTransport(options);
  }

  private headers(options: CallOptions): Record<string, string> {
    return options.requestId ? { 'X-Request-Id': options.requestId } : {};
  }

  /**
   * `POST /v1/agent/execute`. Sends an `Idempotency-Key`, so retrying after a dropped connection, a
   * timeout, a 429 or a 503 (after `Retry-After`) never creates a second task.
   */
  async submit(request: ExecuteRequest, options: SubmitOptions = {}): Promise<SubmitResult> {
    const key = options.idempotencyKey === false ? null : (options.idempotencyKey ?? newIdempotencyKey());
    const res = await this.http.json<ExecuteAccepted>({
      method: 'POST',
      path: '/v1/agent/execute',
      body: request,
      headers: { ...this.headers(options), ...(key ? { 'Idempotency-Key': key } : {}) },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      retry: key ? 'safe' : 'unprocessed',
      // The same key and body again while the first attempt is still being stored: 409, retry shortly.
      retryConflictOnRepeat: key !== null,
    });
    return { ...res.body, idempotency_key: key, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }

  /** `GET /v1/tasks/{task_id}`. */
  async get(taskId: string, options: CallOptions = {}): Promise<Task> {
    return (await this.http.json<Task>({ method: 'GET', path: taskPath(taskId), headers: this.headers(options), signal: options.signal, timeoutMs: options.timeoutMs, retry: 'safe' })).body;
  }

  /** One page of `GET /v1/tasks`; pass the previous page's `next_cursor` as `cursor`. */
  async listPage(params: ListTasksParams & { cursor?: string } = {}, options: CallOptions = {}): Promise<TaskList> {
    return (await this.http.json<TaskList>({ method: 'GET', path: '/v1/tasks', query: { ...params }, headers: this.headers(options), signal: options.signal, timeoutMs: options.timeoutMs, retry: 'safe' })).body;
  }

  /** Every task matching the filters, newest first, fetching page after page through the cursor as you iterate. */
  async *list(params: ListTasksParams = {}, options: CallOptions = {}): AsyncGenerator<TaskSummary, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage({ ...params, cursor }, options);
      yield* page.data;
      cursor = page.has_more && page.next_cursor ? page.next_cursor : undefined;
    } while (cursor);
  }

  /** `POST /v1/tasks/{task_id}/cancel`: the task, `cancelled` or (still running) with `cancel_requested_at`. Asking again is safe. */
  async cancel(taskId: string, options: CallOptions = {}): Promise<Task> {
    return (await this.http.json<Task>({ method: 'POST', path: taskPath(taskId, '/cancel'), headers: this.headers(options), signal: options.signal, timeoutMs: options.timeoutMs, retry: 'safe' })).body;
  }

  /** `POST /v1/tasks/{task_id}/retry`: a task that failed for a transient cause, queued again. Retried only on 429/503 (the API did not act). */
  async retry(taskId: string, options: CallOptions = {}): Promise<TaskRetried> {
    return (await this.http.json<TaskRetried>({ method: 'POST', path: taskPath(taskId, '/retry'), headers: this.headers(options), signal: options.signal, timeoutMs: options.timeoutMs, retry: 'unprocessed' }))
      .body;
  }

  /** `GET /v1/tasks/{task_id}/webhooks`: the webhook deliveries of the task (its `callback_url`) and every attempt. */
  async webhooks(taskId: string, options: CallOptions = {}): Promise<TaskWebhooks> {
    return (await this.http.json<TaskWebhooks>({ method: 'GET', path: taskPath(taskId, '/webhooks'), headers: this.headers(options), signal: options.signal, timeoutMs: options.timeoutMs, retry: 'safe' })).body;
  }

  /** `GET /v1/tasks/{task_id}/events`: the stored timeline. */
  async events(taskId: string, options: CallOptions = {}): Promise<TaskEvents> {
    return (await this.http.json<TaskEvents>({ method: 'GET', path: taskPath(taskId, '/events'), headers: this.headers(options), signal: options.signal, timeoutMs: options.timeoutMs, retry: 'safe' })).body;
  }

  /** `GET /v1/usage`: your tenant's tokens, cost and tasks today, its limits and tasks in flight (needs `tasks:read`). */
  async usage(options: CallOptions = {}): Promise<TenantUsage> {
    return (await this.http.json<TenantUsage>({ method: 'GET', path: '/v1/usage', headers: this.headers(options), signal: options.signal, timeoutMs: options.timeoutMs, retry: 'safe' })).body;
  }

  /**
   * `GET /v1/tasks/{task_id}/stream`: the task's events as they happen (lifecycle steps and `delta`s of
   * the agent's text), ending after `task.completed` / `task.failed` / `task.cancelled`. A cut
   * connection is resumed with `Last-Event-ID`: no event lost, none repeated. Breaking out of the loop closes it.
   */
  stream(taskId: string, options: StreamOptions = {}): AsyncGenerator<TaskStreamEvent, void, undefined> {
    return streamTask(this.http, taskId, options);
  }

  /** The task once it is completed, failed or cancelled: the stream when available, polling otherwise. */
  waitForCompletion(taskId: string, options: WaitOptions = {}): Promise<Task> {
    return waitForCompletion({ get: (id, o) => this.get(id, o), stream: (id, o) => this.stream(id, o) }, taskId, options);
  }
}

/** `new AgentOrchestratorClient(options)`. */
export const createClient = (options: ClientOptions): AgentOrchestratorClient => new AgentOrchestratorClient(options);
