/**
 * In-memory tasks, messages and agent runs for the unit specs of the worker's
 * use cases: the moves follow the domain's table like the Mongo repository's.
 * Only what ProcessTask, the Reconciler and a client's retry call. Not exported: specs import it.
 */
import { canMove, type AgentRun, type Message, type Task, type TaskMove } from '@agent-orchestrator/domain';
import type { Repositories } from '@agent-orchestrator/persistence';

type Store = Pick<Repositories, 'tasks' | 'messages' | 'agentRuns'>;

export function fakeTaskStore(): { repositories: Store; tasks: Map<string, Task>; runs: AgentRun[]; messages: Message[]; taskQueries: unknown[] } {
  const tasks = new Map<string, Task>();
  const runs: AgentRun[] = [];
  const messages: Message[] = [];
  const taskQueries: unknown[] = [];
  const move = async (id: string, m: TaskMove, change: Partial<Task>): Promise<Task | null> => {
    const t = tasks.get(id);
    if (!t || !canMove(t.status, m)) return null;
    Object.assign(t, change);
    return structuredClone(t);
  };
  const unused = () => Promise.reject(new Error('not used by ProcessTask'));
  const repositories: Store = {
    tasks: {
      create: async (t) => (tasks.set(t.task_id, structuredClone(t)), t),
      findById: async (id) => (tasks.has(id) ? structuredClone(tasks.get(id)!) : null),
      markProcessing: async (id, now) => move(id, 'pick_up', { status: 'processing', started_at: now, attempts: (tasks.get(id)?.attempts ?? 0) + 1 }),
      recordRouting: (id, routing) => move(id, 'route', { ...routing }),
      saveCheckpoint: (id, c) => move(id, 'checkpoint', { checkpoints: { route: null, agent: null, ...tasks.get(id)?.checkpoints, [c.step]: structuredClone(c.checkpoint) } }),
      markStepReused: (id, step) => {
        const reused = tasks.get(id)?.reused_steps ?? [];
        return move(id, 'checkpoint', { reused_steps: reused.includes(step) ? reused : [...reused, step] });
      },
      complete: (id, { result, usage }, now) => move(id, 'complete', { status: 'completed', result, usage, completed_at: now }),
      fail: (id, { error, usage }, now) => move(id, 'fail', { status: 'failed', error, ...(usage ? { usage } : {}), completed_at: now }),
      markCancelled: (id, { usage }, now) => move(id, 'cancel', { status: 'cancelled', error: { type: 'CANCELLED', message: 'cancelled' }, ...(usage ? { usage } : {}), completed_at: now }),
      requestCancel: async (id, now) => {
        const t = tasks.get(id);
        if (!t) return null;
        if (t.status === 'queued') return { change: 'cancelled', task: (await move(id, 'cancel', { status: 'cancelled', completed_at: now }))! };
        if (t.status === 'processing' && !t.cancel_requested_at) return { change: 'requested', task: (await move(id, 'request_cancel', { cancel_requested_at: now }))! };
        return { change: 'none', task: structuredClone(t) };
      },
      requeueFailed: async (id, { retryableTypes }, now) => {
        const t = tasks.get(id);
        if (!t || !t.error || !retryableTypes.includes(t.error.type)) return null;
        return move(id, 'retry', {
          status: 'queued',
          retries: [...t.retries, { error: t.error, failed_at: t.completed_at, retried_at: now, attempts: t.attempts }],
          error: null,
          result: null,
          started_at: null,
          completed_at: null,
          queued_at: now,
          checkpoints: { route: null, agent: null },
          reused_steps: [],
        });
      },
      recentBySession: async (sessionId, options) => {
        taskQueries.push(options);
        return [...tasks.values()]
          .filter((t) => t.session_id === sessionId && t.task_id !== options.excludeTaskId && (!options.createdAtOrBefore || t.created_at <= options.createdAtOrBefore))
          .sort((a, b) => b.created_at.getTime() - a.created_at.getTime())
          .slice(0, options.limit)
          .map((t) => structuredClone(t));
      },
      listStale: async ({ status, olderThan, limit, after }) =>
        [...tasks.values()]
          .filter((t) => t.status === status && t.queued_at < olderThan)
          .sort((a, b) => a.queued_at.getTime() - b.queued_at.getTime() || a.task_id.localeCompare(b.task_id))
          .filter((t) => !after || t.queued_at > after.queued_at || (t.queued_at.getTime() === after.queued_at.getTime() && t.task_id > after.task_id))
          .slice(0, limit)
          .map((t) => structuredClone(t)),
      list: unused,
      dayStats: unused,
    },
    messages: {
      append: async (m) => void messages.push(m),
      put: async (m) => void messages.push(m),
      recentBySession: async (sessionId, { limit, before }) => messages.filter((m) => m.session_id === sessionId && (!before || m.created_at < before)).slice(-limit),
      listByTask: async (id) => messages.filter((m) => m.task_id === id),
    },
    agentRuns: {
      record: async (r) => void runs.push(r),
      listByTask: async (id) => runs.filter((r) => r.task_id === id),
      usageDayStats: unused,
    },
  };
  return { repositories, tasks, runs, messages, taskQueries };
}
