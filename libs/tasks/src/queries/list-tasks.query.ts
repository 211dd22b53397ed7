import type { TaskListQuery, TaskRepository, TaskSummary } from '@agent-orchestrator/persistence';
import { fromStore } from '../support/store-error';
import { encodeCursor } from './task-list-cursor';

export interface TaskSummaryPage {
  items: TaskSummary[];
  has_more: boolean;
  /** Where the next page starts (opaque, for `cursor`), null on the last page. */
  next_cursor: string | null;
}

/**
 * A page of the tenant's task summaries, newest first, filtered; `after` comes from a cursor
 * (decodeCursor). The tenant is the caller's, never the cursor's: a cursor is only a position, so one
 * from another tenant's listing just starts this tenant's list there.
 */
export class ListTasks {
  constructor(private readonly deps: { tasks: Pick<TaskRepository, 'list'> }) {}

  async execute(query: Omit<TaskListQuery, 'tenant_id'>, tenantId: string): Promise<TaskSummaryPage> {
    const page = await fromStore(() => this.deps.tasks.list({ ...query, tenant_id: tenantId }), 'The tasks could not be listed because the database is unavailable. Try again shortly.');
    const last = page.items[page.items.length - 1];
    const next_cursor = page.has_more && last ? encodeCursor({ created_at: last.created_at, task_id: last.task_id }) : null;
    return { items: page.items, has_more: page.has_more, next_cursor };
  }
}
