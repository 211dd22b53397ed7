import { Router, type RequestHandler } from 'express';
import { API_VERSION } from '@agent-orchestrator/domain';
import type { GetTask, ListTasks } from '@agent-orchestrator/tasks';
import { nextPageLink, parseListTasksQuery } from './list-tasks.query';
import { presentTask } from './task.presenter';
import { principalOf } from '../http/request-context';
import { presentTaskSummary } from './task-summary.presenter';

export const TASKS_PATH = '/v1/tasks';
export const TASK_PATH = '/v1/tasks/:task_id';

export interface TasksRouteDeps {
  listTasks: ListTasks;
  getTask: GetTask;
  rateLimit: RequestHandler;
}

/**
 * `GET /v1/tasks`: task summaries, newest first, filtered and paginated by an
 * opaque cursor. `GET /v1/tasks/:task_id`: the full task, whatever its status.
 */
export function tasksRoutes({ listTasks, getTask, rateLimit }: TasksRouteDeps): Router {
  const router = Router();
  router.get(TASKS_PATH, rateLimit, async (req, res) => {
    const params = parseListTasksQuery(req.query);
    const { filters: _filters, ...query } = params;
    const page = await listTasks.execute(query, principalOf(res).tenantId);
    const next = page.next_cursor === null ? null : nextPageLink(TASKS_PATH, params, page.next_cursor);
    if (next !== null) res.setHeader('Link', `<${next}>; rel="next"`);
    res.json({
      data: page.items.map(presentTaskSummary),
      next_cursor: page.next_cursor,
      has_more: page.has_more,
      limit: params.limit,
      links: { next },
      api_version: API_VERSION,
    });
  });

  router.get(TASK_PATH, rateLimit, async (req, res) => {
    const task = await getTask.execute(req.params['task_id'], principalOf(res).tenantId);
    res.json({ ...presentTask(task), api_version: API_VERSION });
  });
  return router;
}
