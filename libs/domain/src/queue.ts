/** Names shared by the producer (api) and consumer (worker) of task jobs. */
export const TASK_QUEUE_NAME = 'agent_tasks';
export const PROCESS_TASK_JOB = 'process_task';

export interface ProcessTaskJob {
  task_id: string;
}

export const API_VERSION = 'v1';
