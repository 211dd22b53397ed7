import { randomUUID } from 'node:crypto';
import { UsageMeter, runWithUsageMeter, type AgentRegistry, type ConversationTurn } from '@agent-orchestrator/agents-core';
import {
  LlmNotConfiguredError,
  OrchestratorError,
  TaskCancelledError,
  TimeoutError,
  UnknownTaskTypeError,
  isTerminalStatus,
  sumUsage,
  toOrchestratorError,
  type AgentRun,
  type ModelUsage,
  type Task,
  replyMessageId,
} from '@agent-orchestrator/domain';
import type { Repositories } from '@agent-orchestrator/persistence';
import type { Logger, TaskEventLog } from '@agent-orchestrator/observability';
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
  /** Tells a running task that a client cancelled it (cancel-watcher.ts). Without it a cancel is only seen at pickup. */
  cancellation?: CancelWatch;
  /**
   * Aborted when the worker gives up waiting for its running tasks at shutdown: they stop at once and
   * write no final state, so the job's lock expires and another worker takes the task over.
   */
  shutdown?: AbortSignal;
}

/** Subscribes a running task to its cancel request; returns the unsubscribe. */
export interface CancelWatch {
  watch(taskId: string, onCancel: () => void): () => void;
}

export type ProcessOutcome = 'completed' | 'failed' | 'cancelled' | 'skipped' | 'missing';

/** Why a running task was stopped before it finished on its own. */
type StopReason = 'deadline' | 'cancelled' | 'shutdown';

/**
 * Thrown out of the job when the worker abandons a task at shutdown, so Bull never records the job as
 * completed: the task stays `processing` for the stalled-job check (or the reconciler) to hand over.
 */
export class TaskAbandonedError extends OrchestratorError {
  constructor() {
    super('INTERNAL_ERROR', 'The worker shut down before the task finished; it is left for another worker.', { retryable: true });
  }
}

const PREVIOUS_TASKS = 5;

/**
 * The worker's unit of work: take one queued task to `completed`, `failed` or `cancelled`.
 * Every error it can catch ends in a terminal state; it only throws when it
 * could not even record the failure (MongoDB down), so Bull retries the job,
 * or when the worker abandons the task at shutdown (TaskAbandonedError).
 *
 * The attempt number is the task's own `attempts` counter after pickup, so it
 * keeps counting across stalled redeliveries, re-enqueues and retries; `delivery`
 * (Bull's attempt of this job) is only logged.
 */
export function createTaskProcessor(deps: ProcessTaskDeps): (taskId: string, delivery?: number) => Promise<ProcessOutcome> {
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

  return async function processTask(taskId: string, delivery?: number): Promise<ProcessOutcome> {
    const found = await repos.tasks.findById(taskId);
    if (!found) {
      logger.warn('task not found; dropping job', { task_id: taskId });
      return 'missing';
    }
    if (isTerminalStatus(found.status)) {
      logger.info('task already finished; nothing to do', { task_id: taskId, status: found.status });
      return 'skipped';
    }

    // One controller stops the run, for whichever reason comes first; its signal goes into every router and agent call.
    const run = new AbortController();
    let stopped: StopReason | null = null;
    const stop = (reason: StopReason) => {
      if (stopped) return;
      stopped = reason;
      run.abort(reason);
    };
    const stopError = (cause: unknown): OrchestratorError | null => {
      if (stopped === 'cancelled') return new TaskCancelledError();
      if (stopped === 'shutdown') return new TaskAbandonedError();
      if (stopped === 'deadline') return deadlineError(deps.taskTimeoutMs, cause);
      return null;
    };
    /** Between steps: a stop that arrived while the last step ran ends the task here. */
    const checkpoint = () => {
      const e = stopError(undefined);
      if (e) throw e;
    };
    // Watch before the pickup, so a cancel published in between is not missed.
    const unwatch = deps.cancellation?.watch(taskId, () => stop('cancelled')) ?? (() => undefined);
    const onShutdown = () => stop('shutdown');
    deps.shutdown?.addEventListener('abort', onShutdown, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const task = await repos.tasks.markProcessing(taskId, now());
      if (!task) return 'skipped';
      if (task.cancel_requested_at) stop('cancelled');
      if (deps.shutdown?.aborted) stop('shutdown');
      timer = setTimeout(() => stop('deadline'), deps.taskTimeoutMs);
      return await runTask(task, { signal: run.signal, stopError, checkpoint, stopped: () => stopped, delivery });
    } finally {
      clearTimeout(timer);
      unwatch();
      deps.shutdown?.removeEventListener('abort', onShutdown);
    }
  };

  interface RunControl {
    signal: AbortSignal;
    stopError: (cause: unknown) => OrchestratorError | null;
    checkpoint: () => void;
    stopped: () => StopReason | null;
    delivery: number | undefined;
  }

  async function runTask(task: Task, control: RunControl): Promise<ProcessOutcome> {
    const { signal, stopError, checkpoint } = control;
    const attempt = task.attempts;
    const subject = { task_id: task.task_id, session_id: task.session_id, request_id: task.metadata.request_id };
    const log = logger.child(subject);
    events.emit(subject, 'task.picked_up', {
      attempt,
      ...(control.delivery === undefined ? {} : { delivery: control.delivery }),
      queue_wait_ms: (task.started_at ?? now()).getTime() - task.queued_at.getTime(),
    });

    const usages: ModelUsage[] = [];
    // Every LLM call of the router and the agent goes through the meter: it enforces the task's budget
    // and sees calls whose result never came back (a call over budget, a later failure).
    const meter = new UsageMeter(task.budget);
    let agentName: string | null = null;
    try {
      checkpoint();
      if (!deps.llmConfigured) throw new LlmNotConfiguredError();
      const { history, previousTasks } = await context(task);

      const routeStarted = now();
      let routing;
      try {
        routing = await runWithUsageMeter(meter, () => router.route({ task: task.task, history, previousTasks }, { signal }));
      } catch (err) {
        const e = stopError(err) ?? toOrchestratorError(err);
        await recordRun(task, attempt, { kind: 'router', agent_name: router.name, agent_version: router.version, model: null, input: task.task, output: null, outcome: 'failure', error: { type: e.type, message: e.message }, usage: [...meter.usages], started_at: routeStarted });
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

      checkpoint();
      const chosenName = chosen.descriptor.name;
      agentName = chosenName;
      const agentStarted = now();
      events.emit(subject, 'agent.started', { attempt }, { agent_name: chosenName });
      let result;
      const agentCallsFrom = meter.usages.length;
      try {
        const agent = chosen.agent;
        result = await runWithUsageMeter(meter, () => agent.run({ task_id: task.task_id, session_id: task.session_id, task: task.task, history }, { signal, logger: log.child({ agent_name: chosenName }) }));
      } catch (err) {
        const e = stopError(err) ?? toOrchestratorError(err);
        await recordRun(task, attempt, { kind: 'agent', agent_name: chosenName, agent_version: chosen.descriptor.version, model: null, input: task.task, output: null, outcome: 'failure', error: { type: e.type, message: e.message }, usage: meter.usages.slice(agentCallsFrom), started_at: agentStarted });
        throw e;
      }
      usages.push(...result.usage);
      await recordRun(task, attempt, { kind: 'agent', agent_name: chosenName, agent_version: chosen.descriptor.version, model: result.model, input: task.task, output: result.output.content, outcome: 'success', error: null, usage: result.usage, started_at: agentStarted });
      const usage = sumUsage(usages);
      const agentUsage = sumUsage(result.usage);
      events.emit(
        subject,
        'agent.finished',
        { model: result.model, duration_ms: now().getTime() - agentStarted.getTime(), prompt_tokens: agentUsage.prompt_tokens, completion_tokens: agentUsage.completion_tokens, total_tokens: agentUsage.total_tokens, cost_usd: agentUsage.cost_usd },
        { agent_name: chosenName },
      );

      // A cancel (or the deadline) that came while the agent ran still wins: no result is written.
      checkpoint();
      await repos.messages.put({ message_id: replyMessageId(task.task_id), session_id: task.session_id, task_id: task.task_id, role: 'assistant', content: result.output.content, agent_name: agentName, created_at: now() });
      const done = await repos.tasks.complete(task.task_id, {
        result: { summary: result.output.summary ?? null, raw_output: result.output.content, code_language: result.output.code_language ?? null, citations: result.output.citations },
        usage,
      }, now());
      if (done) events.emit(subject, 'task.completed', { attempt, total_tokens: usage.total_tokens, cost_usd: usage.cost_usd, ...timings(task, now()) }, { agent_name: agentName });
      else log.warn('task was finished elsewhere; result not written', { agent_name: agentName });
      return done ? 'completed' : 'skipped';
    } catch (err) {
      // What was spent: the meter saw every call made through agents-core, including those whose
      // result never came back; agents that bypass it report their usage only in their result.
      const spent = sumUsage(meter.usages.length >= usages.length ? meter.usages : usages);
      const reason = control.stopped();
      if (reason === 'shutdown') {
        log.warn('task abandoned at shutdown; left for another worker', { attempt, agent_name: agentName });
        throw err instanceof TaskAbandonedError ? err : new TaskAbandonedError();
      }
      if (reason === 'cancelled') {
        const cancelled = await repos.tasks.markCancelled(task.task_id, { usage: spent }, now());
        if (cancelled) events.emit(subject, 'task.cancelled', { attempt, total_tokens: spent.total_tokens, cost_usd: spent.cost_usd, ...timings(task, now()) }, { agent_name: agentName });
        else log.warn('task was finished elsewhere; cancellation not written', { agent_name: agentName });
        return cancelled ? 'cancelled' : 'skipped';
      }
      const e = reason === 'deadline' && !(err instanceof OrchestratorError && err.type === 'TIMEOUT') ? deadlineError(deps.taskTimeoutMs, err) : toOrchestratorError(err);
      const failed = await repos.tasks.fail(task.task_id, { error: { type: e.type, message: e.message }, usage: spent }, now());
      const figures = { attempt, error_type: e.type, error_message: e.message, total_tokens: spent.total_tokens, cost_usd: spent.cost_usd, ...timings(task, now()) };
      if (failed) events.emit(subject, 'task.failed', figures, { agent_name: agentName, level: e.type === 'INTERNAL_ERROR' ? 'error' : 'warn' });
      else log.warn('task was finished elsewhere; failure not written', { agent_name: agentName, error_type: e.type });
      return 'failed';
    }
  }
}

/** `duration_ms`: processing time (picked up → finished); `latency_ms`: what the client waited (queued → finished). */
function timings(task: Task, finished: Date): { duration_ms: number; latency_ms: number } {
  const started = task.started_at ?? finished;
  return { duration_ms: finished.getTime() - started.getTime(), latency_ms: finished.getTime() - task.queued_at.getTime() };
}

function deadlineError(timeoutMs: number, cause: unknown): TimeoutError {
  return new TimeoutError(`The task did not finish within its deadline of ${timeoutMs} ms.`, { cause });
}
