import { Counter, Histogram, type Registry } from 'prom-client';
import { ErrorType, type TaskEvent } from '@agent-orchestrator/domain';
import type { TaskEventSink } from '../task-events';
import { BoundedLabel, NO_AGENT, OTHER_VALUE } from './labels';

export type TaskOutcome = 'completed' | 'failed' | 'cancelled';

/** Seconds a task waits in the queue: from instant pickup to a long backlog. */
export const QUEUE_WAIT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds from pickup to the end of a task: one LLM call to the task deadline (TASK_TIMEOUT_MS, 300 s by default). */
export const PROCESSING_BUCKETS = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300, 600];

const ERROR_TYPES = new Set<string>(Object.values(ErrorType));
const TERMINAL: Partial<Record<TaskEvent['event'], TaskOutcome>> = { 'task.completed': 'completed', 'task.failed': 'failed', 'task.cancelled': 'cancelled' };

const seconds = (ms: unknown): number | undefined => (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined);

/**
 * Task outcomes and timings, fed by lifecycle events (taskMetricsSink):
 * `tasks_finished_total{outcome,agent}`, `task_queue_wait_seconds`,
 * `task_processing_seconds{outcome,agent}`, `task_errors_total{error_type}`.
 * The queue wait has no agent label: the agent is chosen after the wait.
 */
export class TaskMetrics {
  private readonly finished: Counter<'outcome' | 'agent'>;
  private readonly queueWait: Histogram;
  private readonly processing: Histogram<'outcome' | 'agent'>;
  private readonly errors: Counter<'error_type'>;
  private readonly agents = new BoundedLabel(undefined, NO_AGENT);

  constructor(registry: Registry) {
    this.finished = new Counter({
      name: 'tasks_finished_total',
      help: 'Tasks that reached a final status, by outcome (completed, failed, cancelled) and agent ("none" before routing).',
      labelNames: ['outcome', 'agent'],
      registers: [registry],
    });
    this.queueWait = new Histogram({
      name: 'task_queue_wait_seconds',
      help: 'Time a task waited in the queue before a worker picked it up (each pickup).',
      buckets: QUEUE_WAIT_BUCKETS,
      registers: [registry],
    });
    this.processing = new Histogram({
      name: 'task_processing_seconds',
      help: 'Time from pickup to the final status of a task, by outcome and agent.',
      labelNames: ['outcome', 'agent'],
      buckets: PROCESSING_BUCKETS,
      registers: [registry],
    });
    this.errors = new Counter({
      name: 'task_errors_total',
      help: 'Failed tasks by error type (UNKNOWN_TASK_TYPE, LLM_ERROR, TIMEOUT...).',
      labelNames: ['error_type'],
      registers: [registry],
    });
  }

  agentLabel(agent: string | null | undefined): string {
    return this.agents.value(agent);
  }

  pickedUp(queueWaitSeconds: number): void {
    this.queueWait.observe(queueWaitSeconds);
  }

  finishedTask(outcome: TaskOutcome, agent: string | null | undefined, processingSeconds?: number, errorType?: unknown): void {
    const labels = { outcome, agent: this.agentLabel(agent) };
    this.finished.inc(labels);
    if (processingSeconds !== undefined) this.processing.observe(labels, processingSeconds);
    if (outcome === 'failed') this.errors.inc({ error_type: typeof errorType === 'string' && ERROR_TYPES.has(errorType) ? errorType : OTHER_VALUE });
  }
}

/** The TaskEventSink that keeps TaskMetrics: add it to a process's TaskEventLog. */
export function taskMetricsSink(metrics: TaskMetrics): TaskEventSink {
  return (event) => {
    if (event.event === 'task.picked_up') {
      const wait = seconds(event.data['queue_wait_ms']);
      if (wait !== undefined) metrics.pickedUp(wait);
      return;
    }
    const outcome = TERMINAL[event.event];
    if (outcome) metrics.finishedTask(outcome, event.agent_name, seconds(event.data['duration_ms']), event.data['error_type']);
  };
}
