import type { EmitOptions, TaskEvent, TaskEventSubject, TaskEventType } from '@agent-orchestrator/domain';
import type { Logger } from './logger';

export type { EmitOptions, TaskEventSubject };

/** Receives every lifecycle event after it is logged (metrics, the `logs` collection...). Must not throw or block. */
export type TaskEventSink = (event: TaskEvent) => void;

/** Default log message of an event: `task.picked_up` → "task picked up". */
export function eventMessage(event: TaskEventType): string {
  return event.replace('.', ' ').replace('_', ' ');
}

/**
 * Where the apps report task lifecycle events. Each event becomes one log line
 * carrying `event`, `task_id`, `session_id`, `request_id`, `agent_name` and the
 * event's figures, then goes to every sink. A failing sink is logged and never
 * breaks the task.
 */
export class TaskEventLog {
  private readonly sinks: TaskEventSink[] = [];

  constructor(
    private readonly logger: Logger,
    private readonly service: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  addSink(sink: TaskEventSink): this {
    this.sinks.push(sink);
    return this;
  }

  emit(subject: TaskEventSubject, event: TaskEventType, data: Record<string, unknown> = {}, options: EmitOptions = {}): TaskEvent {
    const record: TaskEvent = {
      event,
      level: options.level ?? 'info',
      message: options.message ?? eventMessage(event),
      timestamp: this.now(),
      task_id: subject.task_id,
      session_id: subject.session_id,
      request_id: subject.request_id,
      agent_name: options.agent_name ?? null,
      service: this.service,
      data,
    };
    this.logger.log(record.level, record.message, {
      event,
      task_id: record.task_id,
      session_id: record.session_id,
      request_id: record.request_id,
      agent_name: record.agent_name,
      ...data,
    });
    for (const sink of this.sinks) {
      try {
        sink(record);
      } catch (err) {
        this.logger.warn('task event sink failed', { event, task_id: record.task_id, error_message: err instanceof Error ? err.message : String(err) });
      }
    }
    return record;
  }
}
