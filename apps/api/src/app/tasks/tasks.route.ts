import { Router, type RequestHandler } from 'express';
import { API_VERSION, NotFoundError, ValidationError, isUuidV4 } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { storeError } from '../http/store-error';
import { encodeCursor, nextPageLink, parseListTasksQuery } from './list-tasks.query';
import { presentTask } from './task.presenter';
import { presentTaskSummary } from './task-summary.presenter';

export const TASKS_PATH = '/v1/tasks';
export const TASK_PATH = '/v1/tasks/:task_id';

export interface TasksRouteDeps {
  tasks: Pick<TaskRepository, 'findById' | 'list'>;
  rateLimit: RequestHandler;
}

/**
 * `GET /v1/tasks`: task summaries, newest first, filtered and paginated by an
 * opaque cursor. `GET /v1/tasks/:task_id`: the full task, whatever its status.
 */
export function tasksRoutes({ tasks, rateLimit }: TasksRouteDeps): Router {
  const router = Router();
  router.get(TASKS_PATH, rateLimit, async (req, res) => {
    const params = parseListTasksQuery(req.query);
    const { filters: _filters, ...query } = params;
    let page;
    try {
      page = await tasks.list(query);
    } catch (err) {
      throw storeError(err, 'The tasks could not be listed because the database is unavailable. Try again shortly.');
    }
    const last = page.items[page.items.length - 1];
    const next_cursor = page.has_more && last ? encodeCursor({ created_at: last.created_at, task_id: last.task_id }) : null;
    const next = next_cursor === null ? null : nextPageLink(TASKS_PATH, params, next_cursor);
    if (next !== null) res.setHeader('Link', `<${next}>; rel="next"`);
    res.json({
      data: page.items.map(presentTaskSummary),
      next_cursor,
      has_more: page.has_more,
      limit: params.limit,
      links: { next },
      api_version: API_VERSION,
    });
  });
  router.get(TASK_PATH, rateLimit, async (req, res) => {
    const taskId = req.params['task_id'];
    if (!isUuidV4(taskId)) {
      throw new ValidationError('task_id must be a UUID v4.', [{ field: 'task_id', message: 'task_id must be a UUID v4' }]);
    }
    let task;
    try {
      // Ids are generated lowercase; accept any case from clients.
      task = await tasks.findById(taskId.toLowerCase());
    } catch (err) {
      throw storeError(err, 'The task could not be read because the database is unavailable. Try again shortly.');
    }
    if (!task) throw new NotFoundError(`No task with id ${taskId}.`);
    res.json({ ...presentTask(task), api_version: API_VERSION });
  });
  return router;
}
