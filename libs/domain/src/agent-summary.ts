/**
 * An agent as everyone outside it sees it: what the registry lists, the router's prompt reads, a
 * worker publishes to the live-worker directory and the api shows (`GET /v1/agents`).
 */
export interface AgentSummary {
  /** Registry name, e.g. `CodeAgent`. */
  name: string;
  /** Version of the agent package. */
  version: string;
  /** Kind of work, e.g. `code`. */
  agent_type: string;
  /** What the agent does and when the router should pick it. */
  description: string;
}

/** The summary fields of `agent` alone (a descriptor, a parsed record…), nothing else it carries. */
export function agentSummary(agent: AgentSummary): AgentSummary {
  return { name: agent.name, version: agent.version, agent_type: agent.agent_type, description: agent.description };
}

/** Whether `value` has every summary field as a string (for records read back from storage). */
export function isAgentSummary(value: unknown): value is AgentSummary {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && typeof v['version'] === 'string' && typeof v['agent_type'] === 'string' && typeof v['description'] === 'string';
}
