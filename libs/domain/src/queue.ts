/** Names shared by the producer (api) and consumer (worker) of task jobs. */
export const TASK_QUEUE_NAME = 'agent_tasks';
export const PROCESS_TASK_JOB = 'process_task';

export interface ProcessTaskJob {
  task_id: string;
  /** The task's tenant (fair queuing); jobs added before tenants carry none. */
  tenant?: string;
}

export const API_VERSION = 'v1';

/** The header that makes `POST /v1/agent/execute` safe to retry (the use case names it in its errors). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Largest page of a task listing (the repositories and the API's `limit`). */
export const MAX_TASK_PAGE_SIZE = 100;
/** Where each process (api, worker) serves its Prometheus metrics. */
export const METRICS_PATH = '/metrics';
