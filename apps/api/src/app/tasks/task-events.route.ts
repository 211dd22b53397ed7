import { Router, type RequestHandler } from 'express';
import { API_VERSION, NotFoundError, ValidationError, isUuidV4, type TaskEvent } from '@agent-orchestrator/domain';
import type { TaskEventRepository, TaskRepository } from '@agent-orchestrator/persistence';
import { noQueryParams } from '../http/no-query-params';
import { storeError } from '../http/store-error';

export const TASK_EVENTS_PATH = '/v1/tasks/:task_id/events';

export interface TaskEventsRouteDeps {
  tasks: Pick<TaskRepository, 'findById'>;
  taskEvents: Pick<TaskEventRepository, 'listByTask'>;
  /** LOG_TO_MONGO: whether events are being stored at all (else the list is always empty). */
  loggingEnabled: boolean;
  rateLimit: RequestHandler;
}

/** A stored event as JSON, field by field. */
export function presentTaskEvent(e: TaskEvent) {
  return {
    event: e.event,
    level: e.level,
    message: e.message,
    timestamp: Number.isNaN(e.timestamp.getTime()) ? null : e.timestamp.toISOString(),
    agent_name: e.agent_name,
    service: e.service,
    request_id: e.request_id,
    data: e.data,
  };
}

/**
 * `GET /v1/tasks/:task_id/events`: the task's lifecycle events, oldest first,
 * for the dashboard's timeline. Events exist only when LOG_TO_MONGO=true
 * (`logging_enabled` says so) and only within LOG_RETENTION_DAYS.
 */
export function taskEventsRoutes({ tasks, taskEvents, loggingEnabled, rateLimit }: TaskEventsRouteDeps): Router {
  const router = Router();
  router.get(TASK_EVENTS_PATH, rateLimit, noQueryParams(), async (req, res) => {
    const taskId = req.params['task_id'];
    if (!isUuidV4(taskId)) {
      throw new ValidationError('task_id must be a UUID v4.', [{ field: 'task_id', message: 'task_id must be a UUID v4' }]);
    }
    const id = taskId.toLowerCase();
    let events: TaskEvent[];
    try {
      const task = await tasks.findById(id);
      if (!task) throw new NotFoundError(`No task with id ${taskId}.`);
      events = await taskEvents.listByTask(id);
    } catch (err) {
      if (err instanceof NotFoundError) throw err;
      throw storeError(err, "The task's events could not be read because the database is unavailable. Try again shortly.");
    }
    res.json({ task_id: id, events: events.map(presentTaskEvent), logging_enabled: loggingEnabled, api_version: API_VERSION });
  });
  return router;
}
