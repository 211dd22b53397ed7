import { ServiceUnavailableError, agentSummary, type AgentSummary } from '@agent-orchestrator/domain';
import type { LiveWorker, WorkerDirectory } from '../ports/worker-directory.port';

/** One agent as the live workers registered it. */
export interface AgentView extends AgentSummary {
  /** How many live workers registered this name at this version. */
  workers: number;
}

/**
 * The agents of the live workers, one entry per name and version: workers
 * running the same agent are counted together, and a rolling deploy that runs
 * two versions side by side shows both. When workers disagree on the
 * description of the same version, the most recently seen worker's wins.
 * Ordered by name, then newest version first.
 */
export function agentCatalog(workers: readonly LiveWorker[]): AgentView[] {
  const seen = [...workers].sort((a, b) => Date.parse(b.last_seen_at) - Date.parse(a.last_seen_at));
  const byKey = new Map<string, { view: AgentView; workerIds: Set<string> }>();
  for (const worker of seen) {
    for (const agent of worker.agents) {
      const key = JSON.stringify([agent.name, agent.version]);
      let entry = byKey.get(key);
      if (!entry) {
        entry = {
          view: { ...agentSummary(agent), workers: 0 },
          workerIds: new Set(),
        };
        byKey.set(key, entry);
      }
      entry.workerIds.add(worker.worker_id);
      entry.view.workers = entry.workerIds.size;
    }
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return [...byKey.values()].map((e) => e.view).sort((a, b) => collator.compare(a.name, b.name) || collator.compare(b.version, a.version));
}

/**
 * The agents the live workers registered. The answer never guesses: with no live worker the list
 * is empty; when the directory cannot be read it is a ServiceUnavailableError.
 */
export class ListAgents {
  constructor(private readonly deps: { workers: WorkerDirectory }) {}

  async execute(): Promise<AgentView[]> {
    let live;
    try {
      live = await this.deps.workers.listLive();
    } catch (err) {
      throw new ServiceUnavailableError('The agent list could not be read because Redis is unavailable. Try again shortly.', { cause: err });
    }
    return agentCatalog(live);
  }
}
