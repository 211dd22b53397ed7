import { randomUUID } from 'node:crypto';
import type { AgentRegistry, ConversationTurn } from '@agent-orchestrator/agents-core';
import {
  LlmNotConfiguredError,
  OrchestratorError,
  TimeoutError,
  UnknownTaskTypeError,
  isTerminalStatus,
  sumUsage,
  toOrchestratorError,
  type AgentRun,
  type ModelUsage,
  type Task,
} from '@agent-orchestrator/domain';
import type { Repositories } from '@agent-orchestrator/persistence';
import type { Logger, TaskEventLog } from '@agent-orchestrator/platform';
import type { PeerAgent, PreviousTask } from '@agent-orchestrator/router';

/** What the pipeline needs from the router. */
export type TaskRouter = Pick<PeerAgent, 'name' | 'version' | 'route'>;

export interface ProcessTaskDeps {
  repositories: Repositories;
  registry: AgentRegistry;
  router: TaskRouter;
  llmConfigured: boolean;
  logger: Logger;
  /** Lifecycle events: logged, and passed to the sinks (metrics, `logs` collection). */
  events: TaskEventLog;
  taskTimeoutMs: number;
  historyLimit: number;
  now?: () => Date;
}

export type ProcessOutcome = 'completed' | 'failed' | 'skipped' | 'missing';

const PREVIOUS_TASKS = 5;

/**
 * The worker's unit of work: take one queued task to `completed` or `failed`.
 * Every error it can catch ends in a terminal state; it only throws when it
 * could not even record the failure (MongoDB down), so Bull retries the job.
 */
export function createTaskProcessor(deps: ProcessTaskDeps): (taskId: string, attempt: number) => Promise<ProcessOutcome> {
  const { repositories: repos, registry, router, logger, events } = deps;
  const now = deps.now ?? (() => new Date());

  async function recordRun(task: Task, attempt: number, run: Omit<AgentRun, 'run_id' | 'task_id' | 'session_id' | 'attempt' | 'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost_usd' | 'finished_at' | 'duration_ms'>): Promise<void> {
    const finished = now();
    const total = sumUsage(run.usage);
    await repos.agentRuns.record({
      ...run,
      run_id: randomUUID(),
      task_id: task.task_id,
      session_id: task.session_id,
      attempt,
      prompt_tokens: total.prompt_tokens,
      completion_tokens: total.completion_tokens,
      total_tokens: total.total_tokens,
      cost_usd: total.cost_usd,
      finished_at: finished,
      duration_ms: finished.getTime() - run.started_at.getTime(),
    });
  }

  async function context(task: Task): Promise<{ history: ConversationTurn[]; previousTasks: PreviousTask[] }> {
    const [messages, previous] = await Promise.all([
      deps.historyLimit > 0 ? repos.messages.recentBySession(task.session_id, { limit: deps.historyLimit + 1, before: task.created_at }) : Promise.resolve([]),
      repos.tasks.recentBySession(task.session_id, { limit: PREVIOUS_TASKS, excludeTaskId: task.task_id }),
    ]);
    const history = messages
      .filter((m) => m.task_id !== task.task_id)
      .slice(-deps.historyLimit)
      .map((m) => ({ role: m.role, content: m.content, agent_name: m.agent_name }));
    const previousTasks = previous.filter((t) => t.created_at <= task.created_at).map((t) => ({ task: t.task, selected_agent: t.selected_agent, status: t.status }));
    return { history, previousTasks };
  }

  return async function processTask(taskId: string, jobAttempt: number): Promise<ProcessOutcome> {
    const found = await repos.tasks.findById(taskId);
    if (!found) {
      logger.warn('task not found; dropping job', { task_id: taskId });
      return 'missing';
    }
    if (isTerminalStatus(found.status)) {
      logger.info('task already finished; nothing to do', { task_id: taskId, status: found.status });
      return 'skipped';
    }
    const task = await repos.tasks.markProcessing(taskId, now());
    if (!task) return 'skipped';
    // The task's own count, not Bull's: it keeps counting after POST /v1/tasks/{id}/retry (a new job).
    const attempt = task.attempts;
    const subject = { task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id };
    const log = logger.child(subject);
    events.emit(subject, 'task.picked_up', { attempt, job_attempt: jobAttempt, queue_wait_ms: (task.started_at ?? now()).getTime() - task.queued_at.getTime() });

    const usages: ModelUsage[] = [];
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deps.taskTimeoutMs);
    let agentName: string | null = null;
    try {
      if (!deps.llmConfigured) throw new LlmNotConfiguredError();
      const { history, previousTasks } = await context(task);

      const routeStarted = now();
      let routing;
      try {
        routing = await router.route({ task: task.task, history, previousTasks }, { signal: deadline.signal });
      } catch (err) {
        const e = deadline.signal.aborted ? deadlineError(deps.taskTimeoutMs, err) : toOrchestratorError(err);
        await recordRun(task, attempt, { kind: 'router', agent_name: router.name, agent_version: router.version, model: null, input: task.task, output: null, outcome: 'failure', error: { type: e.type, message: e.message }, usage: [], started_at: routeStarted });
        throw e;
      }
      usages.push(...routing.usage);
      const { decision } = routing;
      await recordRun(task, attempt, { kind: 'router', agent_name: router.name, agent_version: router.version, model: routing.model, input: routing.prompt, output: JSON.stringify(decision), outcome: 'success', error: null, usage: routing.usage, started_at: routeStarted });
      const chosen = decision.status === 'routed' && registry.has(decision.agent_name) ? registry.get(decision.agent_name) : null;
      await repos.tasks.recordRouting(task.task_id, {
        selected_agent: chosen?.descriptor.name ?? null,
        agent_type: chosen?.descriptor.agent_type ?? null,
        agent_version: chosen?.descriptor.version ?? null,
        peer_routing_reason: decision.reasoning,
        confidence: decision.confidence,
      }, now());
      events.emit(subject, 'task.routed', { confidence: decision.confidence, routed: Boolean(chosen), tokens: sumUsage(routing.usage).total_tokens }, { agent_name: decision.agent_name });
      if (!chosen) throw new UnknownTaskTypeError(`No agent can handle this task: ${decision.reasoning}`);

      agentName = chosen.descriptor.name;
      const agentStarted = now();
      events.emit(subject, 'agent.started', { attempt }, { agent_name: agentName });
      let result;
      try {
        result = await chosen.agent.run({ task_id: task.task_id, session_id: task.session_id, task: task.task, history }, { signal: deadline.signal, logger: log.child({ agent_name: agentName }) });
      } catch (err) {
        const e = deadline.signal.aborted ? deadlineError(deps.taskTimeoutMs, err) : toOrchestratorError(err);
        await recordRun(task, attempt, { kind: 'agent', agent_name: agentName, agent_version: chosen.descriptor.version, model: null, input: task.task, output: null, outcome: 'failure', error: { type: e.type, message: e.message }, usage: [], started_at: agentStarted });
        throw e;
      }
      usages.push(...result.usage);
      await recordRun(task, attempt, { kind: 'agent', agent_name: agentName, agent_version: chosen.descriptor.version, model: result.model, input: task.task, output: result.output.content, outcome: 'success', error: null, usage: result.usage, started_at: agentStarted });
      const usage = sumUsage(usages);
      const agentUsage = sumUsage(result.usage);
      events.emit(
        subject,
        'agent.finished',
        { model: result.model, duration_ms: now().getTime() - agentStarted.getTime(), prompt_tokens: agentUsage.prompt_tokens, completion_tokens: agentUsage.completion_tokens, total_tokens: agentUsage.total_tokens, cost_usd: agentUsage.cost_usd },
        { agent_name: agentName },
      );

      await repos.messages.append({ message_id: randomUUID(), session_id: task.session_id, task_id: task.task_id, role: 'assistant', content: result.output.content, agent_name: agentName, created_at: now() });
      const done = await repos.tasks.complete(task.task_id, {
        result: { summary: result.output.summary ?? null, raw_output: result.output.content, code_language: result.output.code_language ?? null, citations: result.output.citations },
        usage,
      }, now());
      if (done) events.emit(subject, 'task.completed', { attempt, total_tokens: usage.total_tokens, cost_usd: usage.cost_usd, ...timings(task, now()) }, { agent_name: agentName });
      else log.warn('task was finished elsewhere; result not written', { agent_name: agentName });
      return done ? 'completed' : 'skipped';
    } catch (err) {
      const e = deadline.signal.aborted && !(err instanceof OrchestratorError && err.type === 'TIMEOUT') ? deadlineError(deps.taskTimeoutMs, err) : toOrchestratorError(err);
      const failed = await repos.tasks.fail(task.task_id, { error: { type: e.type, message: e.message }, usage: sumUsage(usages) }, now());
      const figures = { attempt, error_type: e.type, error_message: e.message, total_tokens: sumUsage(usages).total_tokens, cost_usd: sumUsage(usages).cost_usd, ...timings(task, now()) };
      if (failed) events.emit(subject, 'task.failed', figures, { agent_name: agentName, level: e.type === 'INTERNAL_ERROR' ? 'error' : 'warn' });
      else log.warn('task was finished elsewhere; failure not written', { agent_name: agentName, error_type: e.type });
      return 'failed';
    } finally {
      clearTimeout(timer);
    }
  };
}

/** `duration_ms`: processing time (picked up → finished); `latency_ms`: what the client waited (queued → finished). */
function timings(task: Task, finished: Date): { duration_ms: number; latency_ms: number } {
  const started = task.started_at ?? finished;
  return { duration_ms: finished.getTime() - started.getTime(), latency_ms: finished.getTime() - task.queued_at.getTime() };
}

function deadlineError(timeoutMs: number, cause: unknown): TimeoutError {
  return new TimeoutError(`The task did not finish within its deadline of ${timeoutMs} ms.`, { cause });
}
