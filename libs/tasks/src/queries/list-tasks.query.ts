import type { TaskListQuery, TaskRepository, TaskSummary } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { encodeCursor } from './task-list-cursor';

export interface TaskSummaryPage {
  items: TaskSummary[];
  has_more: boolean;
  /** Where the next page starts (opaque, for `cursor`), null on the last page. */
  next_cursor: string | null;
}

/** A page of task summaries, newest first, filtered; `after` comes from a cursor (decodeCursor). */
export class ListTasks {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'list'> }) {}

  async execute(query: TaskListQuery): Promise<TaskSummaryPage> {
    const page = await fromStore(() => this.deps.tasks.list(query), 'The tasks could not be listed because the database is unavailable. Try again shortly.');
    const last = page.items[page.items.length - 1];
    const next_cursor = page.has_more && last ? encodeCursor({ created_at: last.created_at, task_id: last.task_id }) : null;
    return { items: page.items, has_more: page.has_more, next_cursor };
  }
}
