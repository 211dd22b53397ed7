import { Router, type RequestHandler } from 'express';
import { API_VERSION, NotFoundError, ValidationError, isUuidV4 } from '@agent-orchestrator/domain';
import type { TaskRepository } from '@agent-orchestrator/persistence';
import { storeError } from '../http/store-error';
import { presentTask } from './task.presenter';

export const TASK_PATH = '/v1/tasks/:task_id';

export interface TasksRouteDeps {
  tasks: Pick<TaskRepository, 'findById'>;
  rateLimit: RequestHandler;
}

/** `GET /v1/tasks/:task_id`: the full task, whatever its status. */
export function tasksRoutes({ tasks, rateLimit }: TasksRouteDeps): Router {
  const router = Router();
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
