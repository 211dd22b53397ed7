import type { AgentRun } from '@agent-orchestrator/domain';

import { guard, type ErrorContext } from '../errors';
import { AGENT_RUNS_COLLECTION, type AgentRunModel } from '../models/agent-run.model';
import type { AgentRunRepository } from '../repositories';
import { idArg } from './guards';
import { toAgentRun } from './mappers';

export class MongoAgentRunRepository implements AgentRunRepository {
  constructor(
    private readonly model: AgentRunModel,
    private readonly ctx: ErrorContext,
  ) {}

  async record(run: AgentRun): Promise<void> {
    return guard(AGENT_RUNS_COLLECTION, this.ctx, async () => {
      idArg(run?.run_id, 'run_id');
      idArg(run?.task_id, 'task_id');
      await this.model.create(run);
    });
  }

  async listByTask(taskId: string): Promise<AgentRun[]> {
    const task_id = idArg(taskId, 'taskId');
    return guard(AGENT_RUNS_COLLECTION, this.ctx, async () => {
      const docs = await this.model.find({ task_id }).sort({ started_at: 1, _id: 1 }).lean();
      return docs.map(toAgentRun);
    });
  }
}
