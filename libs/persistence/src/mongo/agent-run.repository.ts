import { addUsage, roundCost, startOfNextUtcDay, startOfUtcDay, type AgentRun, type UsageTotals } from '@agent-orchestrator/domain';
import mongoose from 'mongoose';

import { guard, type ErrorContext } from '../errors';
import { AGENT_RUNS_COLLECTION, type AgentRunModel } from '../models/agent-run.model';
import type { AgentRunRepository, UsageDayStats } from '../repositories';
import { agentRunDocument } from './documents';
import { dateArg, idArg } from './guards';
import { InsertBatcher } from './insert-batcher';
import { toAgentRun } from './mappers';

export class MongoAgentRunRepository implements AgentRunRepository {
  /** The inserts of `record` made in one event-loop turn (many tasks' runs) share one round trip (insert-batcher.ts). */
  private readonly inserts: InsertBatcher<mongoose.mongo.Document>;

  constructor(
    private readonly model: AgentRunModel,
    private readonly ctx: ErrorContext,
  ) {
    this.inserts = new InsertBatcher(model.collection);
  }

  async record(run: AgentRun): Promise<void> {
    return guard(AGENT_RUNS_COLLECTION, this.ctx, async () => {
      // Built and checked field by field (documents.ts), inserted by the driver: no mongoose document.
      await this.inserts.insert(agentRunDocument(run));
    });
  }

  async listByTask(taskId: string): Promise<AgentRun[]> {
    const task_id = idArg(taskId, 'taskId');
    return guard(AGENT_RUNS_COLLECTION, this.ctx, async () => {
      const docs = await this.model.find({ task_id }).sort({ started_at: 1, _id: 1 }).lean();
      return docs.map(toAgentRun);
    });
  }

  /**
   * Six small aggregations over the day's `finished_at` range (index), each a
   * single $sum: FerretDB v1 computes only the first accumulator of a $group,
   * and its $unwind keeps only the unwound field, so agents are grouped on the
   * run totals and models on the unwound per-call usage. Each returns one row
   * per agent or model of the day; they are folded here. Two more count the runs
   * and calls whose cost is unknown (null: no price), since `$sum` skips nulls:
   * an agent or model with any has a null cost, and so has the day.
   */
  async usageDayStats(now: Date, options: { maxTimeMs?: number } = {}): Promise<UsageDayStats> {
    const at = dateArg(now, 'now');
    const day_start = startOfUtcDay(at);
    const match = { $match: { finished_at: mongoose.trusted({ $gte: day_start, $lt: startOfNextUtcDay(at) }) } };
    const aggregateOptions = options.maxTimeMs === undefined ? {} : { maxTimeMS: options.maxTimeMs };
    type Row = { _id: unknown; v: number };
    const byAgent = (field: SummedField) =>
      this.model.aggregate<Row>([match, { $group: { _id: '$agent_name', v: { $sum: `$${field}` } } }]).option(aggregateOptions);
    const byModel = (field: SummedField) =>
      this.model.aggregate<Row>([match, { $unwind: '$usage' }, { $group: { _id: '$usage.model', v: { $sum: `$usage.${field}` } } }]).option(aggregateOptions);
    const unknownByAgent = () => this.model.aggregate<Row>([match, { $match: { cost_usd: null } }, { $group: { _id: '$agent_name', v: { $sum: 1 } } }]).option(aggregateOptions);
    const unknownByModel = () =>
      this.model.aggregate<Row>([match, { $unwind: '$usage' }, { $match: { 'usage.cost_usd': null } }, { $group: { _id: '$usage.model', v: { $sum: 1 } } }]).option(aggregateOptions);
    return guard(AGENT_RUNS_COLLECTION, this.ctx, async () => {
      const summed: SummedField[] = ['prompt_tokens', 'completion_tokens', 'cost_usd'];
      const fields: CollatedField[] = [...summed, 'cost_unknown'];
      const [agentRows, modelRows] = await Promise.all([
        Promise.all([...summed.map(byAgent), unknownByAgent()]),
        Promise.all([...summed.map(byModel), unknownByModel()]),
      ]);
      const by_agent = collate(fields, agentRows).map(([agent_name, t]) => ({ agent_name, ...t }));
      const by_model = collate(fields, modelRows).map(([model, t]) => ({ model, ...t }));
      return { day_start, ...addUsage(by_model), by_agent, by_model };
    });
  }
}

type SummedField = 'prompt_tokens' | 'completion_tokens' | 'cost_usd';
/** The summed fields, and `cost_unknown`: how many runs or calls had no cost. */
type CollatedField = SummedField | 'cost_unknown';

/** Merges one result per field into totals per key, most tokens first (then by name, for a stable order). */
function collate(fields: readonly CollatedField[], results: readonly { _id: unknown; v: number }[][]): [string, UsageTotals][] {
  const totals = new Map<string, Record<CollatedField, number>>();
  results.forEach((rows, i) => {
    const field = fields[i];
    if (field === undefined) return;
    for (const { _id, v } of rows) {
      const key = typeof _id === 'string' ? _id : '';
      const entry = totals.get(key) ?? { prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, cost_unknown: 0 };
      entry[field] += typeof v === 'number' && Number.isFinite(v) ? v : 0;
      totals.set(key, entry);
    }
  });
  return [...totals.entries()]
    .map(([k, t]): [string, UsageTotals] => [
      k,
      { prompt_tokens: t.prompt_tokens, completion_tokens: t.completion_tokens, total_tokens: t.prompt_tokens + t.completion_tokens, cost_usd: t.cost_unknown > 0 ? null : roundCost(t.cost_usd) },
    ])
    .sort((a, b) => b[1].total_tokens - a[1].total_tokens || a[0].localeCompare(b[0]));
}
