import type { TaskEvent, TaskEventType } from '@agent-orchestrator/domain';
import type { Logger } from '../ports/logger.port';
import type { EmitOptions, TaskEventSubject, TaskEvents } from '../ports/task-events.port';

export interface LogRecord {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** A worker's lifecycle event of `task_id` as TaskEventLog hands it to its sinks (session `s`, request `r`). */
export function lifecycleEvent(task_id: string, event: TaskEventType, data: Record<string, unknown> = {}, agent_name: string | null = null): TaskEvent {
  return { event, level: 'info', message: event, timestamp: new Date(), task_id, session_id: 's', request_id: 'r', agent_name, service: 'worker', data };
}

/** A Logger that keeps its records in memory, child bindings included. */
export function recordingLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const make = (bound: Record<string, unknown>): Logger => {
    const at =
      (level: string) =>
      (message: string, meta: Record<string, unknown> = {}): void => {
        records.push({ ...bound, ...meta, level, message });
      };
    return {
      child: (meta) => make({ ...bound, ...meta }),
      log: (level, message, meta) => at(level)(message, meta),
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      debug: at('debug'),
    };
  };
  return { logger: make({}), records };
}

/** TaskEvents that keep every event, in order. */
export class RecordingTaskEvents implements TaskEvents {
  readonly events: TaskEvent[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  emit(subject: TaskEventSubject, event: TaskEventType, data: Record<string, unknown> = {}, options: EmitOptions = {}): TaskEvent {
    const record: TaskEvent = {
      event,
      level: options.level ?? 'info',
      message: options.message ?? event,
      timestamp: this.now(),
      task_id: subject.task_id,
      session_id: subject.session_id,
      request_id: subject.request_id,
      agent_name: options.agent_name ?? null,
      service: 'test',
      data,
    };
    this.events.push(record);
    return record;
  }

  /** The event names, in order; of one task when `taskId` is given. */
  names(taskId?: string): TaskEventType[] {
    return this.events.filter((e) => taskId === undefined || e.task_id === taskId).map((e) => e.event);
  }
}
