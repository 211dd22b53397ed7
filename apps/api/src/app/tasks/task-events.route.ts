import { Router, type RequestHandler } from 'express';
import { API_VERSION, type TaskEvent } from '@agent-orchestrator/domain';
import type { GetTaskEvents } from '@agent-orchestrator/tasks';
import { noQueryParams } from '../http/no-query-params';
import { principalOf } from '../http/request-context';

export const TASK_EVENTS_PATH = '/v1/tasks/:task_id/events';

export interface TaskEventsRouteDeps {
  taskEvents: GetTaskEvents;
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
export function taskEventsRoutes({ taskEvents, loggingEnabled, rateLimit }: TaskEventsRouteDeps): Router {
  const router = Router();
  router.get(TASK_EVENTS_PATH, rateLimit, noQueryParams(), async (req, res) => {
    const { task_id, events } = await taskEvents.execute(req.params['task_id'], principalOf(res).tenantId);
    res.json({ task_id, events: events.map(presentTaskEvent), logging_enabled: loggingEnabled, api_version: API_VERSION });
  });
  return router;
}
