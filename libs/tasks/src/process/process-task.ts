/**
 * The worker's unit of work: take one queued task to `completed`, `failed` or `cancelled`,
 * in named steps: load and claim, build context, route, run the agent, persist the result,
 * finish. Every error it can catch ends in a terminal state; it only throws when it could
 * not even record the failure (MongoDB down), so the queue delivers the job again, or when
 * the worker abandons the task at shutdown (TaskAbandonedError).
 *
 * Durable steps: the route and agent steps keep what they produced on the task as they end
 * (`checkpoints`); a later attempt of the same task (a worker killed mid-task, a stalled job,
 * a reconciler requeue) takes a finished step from its checkpoint instead of calling the LLM
 * again, and records it in `reused_steps`. A client's retry clears them and starts over.
 *
 * The attempt number is the task's own `attempts` counter after pickup, so it keeps counting
 * across stalled redeliveries, re-enqueues and retries; `delivery` (the queue's count for
 * this job) is only reported.
 */
import { UsageMeter, runWithUsageMeter, type AgentRegistry, type AgentRunResult, type RegisteredAgent } from '@agent-orchestrator/agents-core';
import {
  ErrorType,
  LlmNotConfiguredError,
  OrchestratorError,
  UnknownTaskTypeError,
  isTerminalStatus,
  replyMessageId,
  sumUsage,
  usageTotals,
  toOrchestratorError,
  type AgentCheckpoint,
  type ModelUsage,
  type RouteCheckpoint,
  type Task,
  type TaskStep,
  sessionKey,
  tenantOf,
} from '@agent-orchestrator/domain';
import type { Repositories, StepCheckpoint } from '@agent-orchestrator/persistence';
import type { PeerAgent } from '@agent-orchestrator/router';
import type { CancelWatch } from '../cancel/cancel-watcher';
import { TaskLifecycle, subjectOf } from '../lifecycle/task-lifecycle';
import type { Logger } from '../ports/logger.port';
import type { TaskEvents } from '../ports/task-events.port';
import type { TaskDeltas } from '../ports/task-stream.port';
import type { TaskCounting } from '../system/task-counting';
import type { WebhookOutbox } from '../webhooks/webhook-outbox';
import { recordRun, type RunRecord } from './agent-runs';
import { RunControl, TaskAbandonedError, deadlineError } from './run-control';
import { buildTaskContext, type TaskContext } from './task-context';

/** What the pipeline needs from the router. */
export type TaskRouter = Pick<PeerAgent, 'name' | 'version' | 'route'>;

export interface ProcessTaskDeps {
  repositories: Pick<Repositories, 'tasks' | 'messages' | 'agentRuns'>;
  registry: AgentRegistry;
  router: TaskRouter;
  llmConfigured: boolean;
  logger: Logger;
  /** Lifecycle events: logged, and passed to the sinks (metrics, `logs` collection). */
  events: TaskEvents;
  taskTimeoutMs: number;
  historyLimit: number;
  now?: () => Date;
  /** Tells a running task that a client cancelled it (CancelWatcher). Without it a cancel is only seen at pickup. */
  cancellation?: CancelWatch;
  /**
   * Aborted when the worker gives up waiting for its running tasks at shutdown: they stop at once and
   * write no final state, so the job's lock expires and another worker takes the task over.
   */
  shutdown?: AbortSignal;
  /**
   * How long a finished step waits for an unreachable database (a MongoDB restart) to keep its run and
   * checkpoint, instead of failing and paying for the step again on the next attempt. Default 15 s.
   */
  stepWritePatienceMs?: number;
  /** Where the agent's text goes as it is written (the task stream's `delta` events); without it agents do not stream. */
  deltas?: TaskDeltas;
  /** The running counters of GET /v1/system/metrics (status moves, runs' usage). Optional (tests). */
  counting?: TaskCounting;
  /** Records the webhook of each task ending (tasks with a callback URL); optional (tests). */
  webhooks?: Pick<WebhookOutbox, 'ended' | 'record'>;
}

const DEFAULT_STEP_WRITE_PATIENCE_MS = 15_000;

export type ProcessOutcome = 'completed' | 'failed' | 'cancelled' | 'skipped' | 'missing';

/** One run of a picked-up task: what the steps share. */
interface Run {
  task: Task;
  attempt: number;
  control: RunControl;
  log: Logger;
  /** Every LLM call of the router and the agent goes through it: it enforces the task's budget and sees calls whose result never came back. */
  meter: UsageMeter;
  /** Usage the router and the agent reported in their results (a reused step's: its checkpoint's, paid once by an earlier attempt). */
  usages: ModelUsage[];
  agentName: string | null;
  /** The checkpoints this attempt resumes from: a step with one is not run again. */
  resume: Resume;
}

/** Finished steps an attempt takes over from an earlier attempt of the same task. */
export interface Resume {
  route: RouteCheckpoint | null;
  /** Only with a route checkpoint that routed to the same agent. */
  agent: AgentCheckpoint | null;
}

/** What a picked-up task resumes from: its route checkpoint, then its agent checkpoint when it belongs to that route. */
export function resumeFrom(task: Pick<Task, 'checkpoints'>): Resume {
  const route = task.checkpoints?.route ?? null;
  const agent = task.checkpoints?.agent ?? null;
  const sameAgent = route !== null && route.decision.status === 'routed' && agent !== null && agent.agent_name === route.decision.agent_name;
  return { route, agent: sameAgent ? agent : null };
}

export class ProcessTask {
  private readonly lifecycle: TaskLifecycle;
  private readonly now: () => Date;

  constructor(private readonly deps: ProcessTaskDeps) {
    this.now = deps.now ?? (() => new Date());
    this.lifecycle = new TaskLifecycle({ tasks: deps.repositories.tasks, events: deps.events, now: this.now, counting: deps.counting, webhooks: deps.webhooks });
  }

  /** Runs the task; `delivery` is the queue's delivery number of its job (reported in task.picked_up). */
  async run(taskId: string, delivery?: number): Promise<ProcessOutcome> {
    const control = new RunControl(taskId, { timeoutMs: this.deps.taskTimeoutMs, cancellation: this.deps.cancellation, shutdown: this.deps.shutdown });
    try {
      // The claim is the first read: only a task it cannot move (missing, finished, taken) costs a second one.
      const task = await this.claim(taskId, delivery);
      if (!task) return await this.unclaimed(taskId);
      control.started(task.cancel_requested_at !== null);
      return await this.runClaimed(task, control);
    } finally {
      control.dispose();
    }
  }

  /** Why a task could not be claimed: it is gone, or already finished (by another worker, or a cancel). */
  private async unclaimed(taskId: string): Promise<ProcessOutcome> {
    const found = await this.deps.repositories.tasks.findById(taskId);
    if (!found) {
      this.deps.logger.warn('task not found; dropping job', { task_id: taskId });
      return 'missing';
    }
    if (isTerminalStatus(found.status)) this.deps.logger.info('task already finished; nothing to do', { task_id: taskId, status: found.status });
    return 'skipped';
  }

  /** Step 1, load and claim: queued|processing → processing, `task.picked_up`. Null when the task is missing or another worker finished it. */
  private claim(taskId: string, delivery: number | undefined): Promise<Task | null> {
    return this.lifecycle.pickUp(taskId, (task) => ({
      attempt: task.attempts,
      // The pickup log line and event keep the tenant (fair queuing is per tenant: docs/fair-queuing.md).
      tenant: task.tenant_id,
      ...(delivery === undefined ? {} : { delivery }),
      queue_wait_ms: (task.started_at ?? this.now()).getTime() - task.queued_at.getTime(),
    }));
  }

  private async runClaimed(task: Task, control: RunControl): Promise<ProcessOutcome> {
    const log = this.deps.logger.child({ ...subjectOf(task) });
    const resume = resumeFrom(task);
    // The budget counts what earlier attempts paid for the steps taken over: a crash cannot reset it.
    const spent = [...(resume.route?.usage ?? []), ...(resume.agent?.usage ?? [])];
    const run: Run = { task, attempt: task.attempts, control, log, meter: new UsageMeter(task.budget, spent), usages: [], agentName: null, resume };
    if (resume.route) log.info('resuming a task from its checkpoints', { attempt: run.attempt, reuse: resume.agent ? ['route', 'agent'] : ['route'] });
    try {
      control.checkpoint();
      if (!this.deps.llmConfigured) throw new LlmNotConfiguredError();
      const context = await buildTaskContext(task, { ...this.deps.repositories, historyLimit: this.deps.historyLimit });
      const agent = await this.route(run, context);
      control.checkpoint();
      const result = await this.runAgent(run, agent, context);
      // A cancel (or the deadline) that came while the agent ran still wins: no result is written.
      control.checkpoint();
      return await this.persistResult(run, result);
    } catch (err) {
      return this.finish(run, err);
    }
  }

  /**
   * Step 3, route: the router's decision, kept as the route checkpoint and stored with `task.routed`;
   * the agent chosen, or UNKNOWN_TASK_TYPE. With a route checkpoint the router is not asked again:
   * the decision is stored (again) from it and `task.routed` says `reused: true`.
   */
  private async route(run: Run, context: TaskContext): Promise<RegisteredAgent> {
    const { task, attempt, meter, control } = run;
    const router = this.deps.router;
    let checkpoint = run.resume.route;
    if (checkpoint) {
      await this.reused(run, 'route');
    } else {
      const started = this.now();
      const asked = Date.now();
      let routing;
      try {
        routing = await runWithUsageMeter(meter, () => router.route({ task: task.task, ...context }, { signal: control.signal }));
      } catch (err) {
        const e = control.stopError(err) ?? toOrchestratorError(err);
        await this.record(task, attempt, { kind: 'router', agent_name: router.name, agent_version: router.version, model: null, input: task.task, output: null, outcome: 'failure', error: { type: e.type, message: e.message }, usage: [...meter.usages], started_at: started });
        throw e;
      }
      const { decision } = routing;
      const kept: RouteCheckpoint = { decision: { status: decision.status, agent_name: decision.agent_name, confidence: decision.confidence, reasoning: decision.reasoning }, model: routing.model, usage: routing.usage, finished_at: this.now() };
      // The checkpoint is the first write after the answer, alone: the window in which a dying worker loses
      // a paid answer is that one write's round trip. The run record follows it (each retried on its own).
      await this.keepCheckpoint(run, { step: 'route', checkpoint: kept }, answerTime(meter, asked));
      await this.keepStep(run, 'route', () => this.record(task, attempt, { kind: 'router', agent_name: router.name, agent_version: router.version, model: routing.model, input: routing.prompt, output: JSON.stringify(decision), outcome: 'success', error: null, usage: routing.usage, started_at: started }));
      checkpoint = kept;
    }
    run.usages.push(...checkpoint.usage);
    const { decision } = checkpoint;
    const chosen = decision.status === 'routed' && this.deps.registry.has(decision.agent_name) ? this.deps.registry.get(decision.agent_name) : null;
    await this.lifecycle.route(
      task,
      {
        selected_agent: chosen?.descriptor.name ?? null,
        agent_type: chosen?.descriptor.agent_type ?? null,
        agent_version: chosen?.descriptor.version ?? null,
        peer_routing_reason: decision.reasoning,
        confidence: decision.confidence,
      },
      { confidence: decision.confidence, routed: Boolean(chosen), tokens: sumUsage(checkpoint.usage).total_tokens, ...(run.resume.route ? { reused: true } : {}) },
      { agent_name: decision.agent_name },
    );
    if (!chosen) throw new UnknownTaskTypeError(`No agent can handle this task: ${decision.reasoning}`);
    return chosen;
  }

  /**
   * Step 4, run the agent: `agent.started`, the run recorded, the output kept as the agent
   * checkpoint, `agent.finished`. With an agent checkpoint the agent is not run again: no
   * `agent.started`, no second run recorded, `agent.finished` with the checkpoint's figures and `reused: true`.
   */
  private async runAgent(run: Run, chosen: RegisteredAgent, context: TaskContext): Promise<AgentRunResult> {
    const { task, attempt, meter, control } = run;
    const name = chosen.descriptor.name;
    run.agentName = name;
    const checkpoint = run.resume.agent;
    if (checkpoint) {
      await this.reused(run, 'agent');
      run.usages.push(...checkpoint.usage);
      const paid = sumUsage(checkpoint.usage);
      this.deps.events.emit(
        subjectOf(task),
        'agent.finished',
        { model: checkpoint.model, duration_ms: 0, prompt_tokens: paid.prompt_tokens, completion_tokens: paid.completion_tokens, total_tokens: paid.total_tokens, cost_usd: paid.cost_usd, reused: true, finished_at: checkpoint.finished_at.toISOString() },
        { agent_name: name },
      );
      return { output: checkpoint.output, usage: checkpoint.usage, model: checkpoint.model };
    }
    const started = this.now();
    this.deps.events.emit(subjectOf(task), 'agent.started', { attempt }, { agent_name: name });
    const agentCallsFrom = meter.usages.length;
    const asked = Date.now();
    let result: AgentRunResult;
    try {
      const agent = chosen.agent;
      const deltas = this.deps.deltas;
      const onDelta = deltas ? (text: string) => deltas.delta(task.task_id, name, text) : undefined;
      result = await runWithUsageMeter(meter, () =>
        agent.run({ task_id: task.task_id, session_id: task.session_id, task: task.task, history: context.history }, { signal: control.signal, logger: run.log.child({ agent_name: name }), ...(onDelta ? { onDelta } : {}) }),
      );
    } catch (err) {
      const e = control.stopError(err) ?? toOrchestratorError(err);
      await this.record(task, attempt, { kind: 'agent', agent_name: name, agent_version: chosen.descriptor.version, model: null, input: task.task, output: null, outcome: 'failure', error: { type: e.type, message: e.message }, usage: meter.usages.slice(agentCallsFrom), started_at: started });
      throw e;
    }
    run.usages.push(...result.usage);
    const output = result.output;
    const kept: AgentCheckpoint = {
      agent_name: name,
      agent_version: chosen.descriptor.version,
      model: result.model,
      output: { agent_name: output.agent_name, content: output.content, code_language: output.code_language ?? null, citations: output.citations ?? [], summary: output.summary ?? null },
      usage: result.usage,
      finished_at: this.now(),
    };
    // As for the route: the checkpoint first and alone, then the run record.
    await this.keepCheckpoint(run, { step: 'agent', checkpoint: kept }, answerTime(meter, asked));
    await this.keepStep(run, 'agent', () => this.record(task, attempt, { kind: 'agent', agent_name: name, agent_version: chosen.descriptor.version, model: result.model, input: task.task, output: result.output.content, outcome: 'success', error: null, usage: result.usage, started_at: started }));
    const agentUsage = sumUsage(result.usage);
    this.deps.events.emit(
      subjectOf(task),
      'agent.finished',
      { model: result.model, duration_ms: this.now().getTime() - started.getTime(), ...usageTotals(agentUsage) },
      { agent_name: name },
    );
    return result;
  }

  /** Step 5, persist the result: the reply message, then processing → completed with `task.completed`. */
  private async persistResult(run: Run, result: AgentRunResult): Promise<ProcessOutcome> {
    const { task, attempt, agentName } = run;
    const usage = sumUsage(run.usages);
    await this.deps.repositories.messages.put({ message_id: replyMessageId(task.task_id), session_id: sessionKey(tenantOf(task), task.session_id), task_id: task.task_id, role: 'assistant', content: result.output.content, agent_name: agentName, created_at: this.now() });
    const done = await this.lifecycle.complete(
      task,
      { result: { summary: result.output.summary ?? null, raw_output: result.output.content, code_language: result.output.code_language ?? null, citations: result.output.citations }, usage },
      (moved) => ({ attempt, total_tokens: usage.total_tokens, cost_usd: usage.cost_usd, ...timings(task, this.now()), ...(moved.reused_steps.length > 0 ? { reused_steps: moved.reused_steps } : {}) }),
      { agent_name: agentName },
    );
    if (!done) run.log.warn('task was finished elsewhere; result not written', { agent_name: agentName });
    return done ? 'completed' : 'skipped';
  }

  /** Step 6, finish a run that did not complete: abandoned at shutdown, cancelled, or failed. */
  private async finish(run: Run, err: unknown): Promise<ProcessOutcome> {
    const { task, attempt, agentName, log } = run;
    // What was spent: the meter saw every call made through agents-core, including those whose
    // result never came back; agents that bypass it report their usage only in their result.
    const spent = sumUsage(run.meter.usages.length >= run.usages.length ? run.meter.usages : run.usages);
    const reason = run.control.stopped;
    if (reason === 'shutdown') {
      log.warn('task abandoned at shutdown; left for another worker', { attempt, agent_name: agentName });
      throw err instanceof TaskAbandonedError ? err : new TaskAbandonedError();
    }
    if (reason === 'cancelled') {
      const cancelled = await this.lifecycle.cancel(task, { usage: spent }, () => ({ attempt, total_tokens: spent.total_tokens, cost_usd: spent.cost_usd, ...timings(task, this.now()) }), { agent_name: agentName });
      if (!cancelled) log.warn('task was finished elsewhere; cancellation not written', { agent_name: agentName });
      return cancelled ? 'cancelled' : 'skipped';
    }
    const e = reason === 'deadline' && !(err instanceof OrchestratorError && err.type === 'TIMEOUT') ? deadlineError(this.deps.taskTimeoutMs, err) : toOrchestratorError(err);
    const failed = await this.lifecycle.fail(
      task,
      { error: { type: e.type, message: e.message }, usage: spent },
      () => ({ attempt, error_type: e.type, error_message: e.message, total_tokens: spent.total_tokens, cost_usd: spent.cost_usd, ...timings(task, this.now()) }),
      { agent_name: agentName, level: e.type === 'INTERNAL_ERROR' ? 'error' : 'warn' },
    );
    if (!failed) log.warn('task was finished elsewhere; failure not written', { agent_name: agentName, error_type: e.type });
    return 'failed';
  }

  /**
   * Writes a finished step's run and checkpoint. The step's answer is already paid for, so while the
   * database is unreachable (a MongoDB restart) the writes are retried, with backoff, for up to
   * `stepWritePatienceMs` (or until the run is stopped) rather than failing the run and paying again.
   */
  private async keepStep(run: Run, step: TaskStep, write: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + (this.deps.stepWritePatienceMs ?? DEFAULT_STEP_WRITE_PATIENCE_MS);
    for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
      try {
        await write();
        return;
      } catch (err) {
        if (toOrchestratorError(err).type !== ErrorType.SERVICE_UNAVAILABLE || Date.now() + wait > deadline || run.control.signal.aborted) throw err;
        run.log.warn('database unavailable while keeping a finished step; retrying', { step, retry_in_ms: wait });
        await pause(wait, run.control.signal);
      }
    }
  }

  /**
   * Keeps a finished step's checkpoint and logs (debug, `step kept`) how long its answer waited for it:
   * `answer_to_checkpoint_ms`, from the step's last LLM answer being read to the database acknowledging
   * the checkpoint, the window in which a dying worker loses a paid answer; `checkpoint_write_ms`, the part
   * of it the write took (sent to acknowledged; the rest is the router's or agent's own return path).
   */
  private async keepCheckpoint(run: Run, checkpoint: StepCheckpoint, answeredAt: number): Promise<void> {
    const sent = Date.now();
    await this.keepStep(run, checkpoint.step, () => this.deps.repositories.tasks.saveCheckpoint(run.task.task_id, checkpoint, this.now()));
    const keptAt = Date.now();
    run.log.debug('step kept', {
      step: checkpoint.step,
      attempt: run.attempt,
      answered_at_ms: answeredAt,
      kept_at_ms: keptAt,
      answer_to_checkpoint_ms: keptAt - answeredAt,
      checkpoint_write_ms: keptAt - sent,
    });
  }

  /** A step taken from its checkpoint: recorded on the task (`reused_steps`) and logged. */
  private async reused(run: Run, step: TaskStep): Promise<void> {
    await this.deps.repositories.tasks.markStepReused(run.task.task_id, step, this.now());
    run.log.info('step taken from its checkpoint; no LLM call', { attempt: run.attempt, step });
  }

  private record(task: Task, attempt: number, run: RunRecord): Promise<void> {
    return recordRun(this.deps.repositories.agentRuns, task, attempt, run, this.now(), this.deps.counting);
  }
}

/** When a step's last LLM answer was read (epoch ms): the meter's last call since `asked`, else now (a step that bypassed the meter). */
function answerTime(meter: UsageMeter, asked: number): number {
  const at = meter.lastAnswerAt;
  return at !== null && at >= asked ? at : Date.now();
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `duration_ms`: processing time (picked up → finished); `latency_ms`: what the client waited (queued → finished). */
function timings(task: Task, finished: Date): { duration_ms: number; latency_ms: number } {
  const started = task.started_at ?? finished;
  return { duration_ms: finished.getTime() - started.getTime(), latency_ms: finished.getTime() - task.queued_at.getTime() };
}
