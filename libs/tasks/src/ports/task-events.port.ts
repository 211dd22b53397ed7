import type { EmitOptions, TaskEvent, TaskEventSubject, TaskEventType } from '@agent-orchestrator/domain';

export type { EmitOptions, TaskEventSubject };

/**
 * Where lifecycle events go: one log line each, then the sinks (metrics, the
 * `logs` collection). The observability lib's TaskEventLog is the adapter.
 */
export interface TaskEvents {
  emit(subject: TaskEventSubject, event: TaskEventType, data?: Record<string, unknown>, options?: EmitOptions): TaskEvent;
}
