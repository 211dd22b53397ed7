import { randomUUID } from 'node:crypto';
import { sumUsage, usageTotals, type AgentRun, type Task } from '@agent-orchestrator/domain';
import type { AgentRunRepository } from '@agent-orchestrator/persistence';
import type { TaskCounting } from '../system/task-counting';

/** What a step knows of a router or agent run; the rest is filled in from the task and the usage. */
export type RunRecord = Omit<AgentRun, 'run_id' | 'task_id' | 'session_id' | 'attempt' | 'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'cost_usd' | 'finished_at' | 'duration_ms'>;

/** Stores one router or agent run of the task's `attempt`, with its token totals and duration, and counts its usage. */
export async function recordRun(agentRuns: Pick<AgentRunRepository, 'record'>, task: Task, attempt: number, run: RunRecord, finished: Date, counting?: TaskCounting): Promise<void> {
  const stored: AgentRun = {
    ...run,
    run_id: randomUUID(),
    task_id: task.task_id,
    session_id: task.session_id,
    attempt,
    ...usageTotals(sumUsage(run.usage)),
    finished_at: finished,
    duration_ms: finished.getTime() - run.started_at.getTime(),
  };
  await agentRuns.record(stored);
  await counting?.runRecorded(stored, task.tenant_id);
}
