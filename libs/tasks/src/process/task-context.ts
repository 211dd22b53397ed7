/**
 * The "build context" step: what the router and the agent see of the session
 * before this task, both oldest first as their prompts say.
 */
import type { ConversationTurn } from '@agent-orchestrator/agents-core';
import { sessionKey, tenantOf, type Task } from '@agent-orchestrator/domain';
import type { MessageRepository, TaskRepository } from '@agent-orchestrator/persistence';
import type { PreviousTask } from '@agent-orchestrator/router';

/** Earlier tasks of the session given to the router. */
export const PREVIOUS_TASKS = 5;

export interface TaskContext {
  /** The session's last `historyLimit` messages before this task, oldest first. */
  history: ConversationTurn[];
  /** The session's last PREVIOUS_TASKS tasks created before this one, oldest first. */
  previousTasks: PreviousTask[];
}

export interface TaskContextDeps {
  tasks: Pick<TaskRepository, 'recentBySession'>;
  messages: Pick<MessageRepository, 'recentBySession'>;
  historyLimit: number;
}

export async function buildTaskContext(task: Task, deps: TaskContextDeps): Promise<TaskContext> {
  const [messages, previous] = await Promise.all([
    // Only the task's own tenant's session: its storage key holds the tenant.
    deps.historyLimit > 0 ? deps.messages.recentBySession(sessionKey(tenantOf(task), task.session_id), { limit: deps.historyLimit + 1, before: task.created_at }) : Promise.resolve([]),
    // Bounded by the task's own creation in the query, so a retried old task still sees its predecessors.
    deps.tasks.recentBySession(task.session_id, { limit: PREVIOUS_TASKS, excludeTaskId: task.task_id, createdAtOrBefore: task.created_at, tenantId: tenantOf(task) }),
  ]);
  const history = messages
    .filter((m) => m.task_id !== task.task_id)
    .slice(-deps.historyLimit)
    .map((m) => ({ role: m.role, content: m.content, agent_name: m.agent_name }));
  // The repository answers newest first; the router's prompt lists them oldest first.
  const previousTasks = [...previous].reverse().map((t) => ({ task: t.task, selected_agent: t.selected_agent, status: t.status }));
  return { history, previousTasks };
}
