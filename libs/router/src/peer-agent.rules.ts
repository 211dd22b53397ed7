import { UNKNOWN_AGENT, type AgentSummary } from '@agent-orchestrator/agents-core';
import type { RouteProposal, RoutingDecision } from './peer-agent.types';

export interface RoutingRules {
  agents: readonly AgentSummary[];
  minConfidence: number;
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * The business rules of `route_to_agent`. A proposal routes only when it names
 * a registered agent (case and surrounding whitespace aside; nothing fuzzier)
 * with at least `minConfidence`. Otherwise the decision is unroutable and its
 * reasoning starts with the rule that refused it.
 */
export function applyRoutingRules(proposal: RouteProposal, { agents, minConfidence }: RoutingRules): RoutingDecision {
  const proposed = proposal.agent_name.trim();
  const { confidence } = proposal;
  const why = proposal.reasoning.trim() || 'no reasoning given';

  if (proposed === '' || sameName(proposed, UNKNOWN_AGENT)) {
    return { status: 'unroutable', agent_name: UNKNOWN_AGENT, confidence, reasoning: `no registered agent fits this task: ${why}` };
  }
  const agent = agents.find((a) => sameName(a.name, proposed));
  if (!agent) {
    const known = agents.map((a) => a.name).join(', ');
    return {
      status: 'unroutable',
      agent_name: proposed,
      confidence,
      reasoning: `"${proposed}" is not a registered agent (registered: ${known}): ${why}`,
    };
  }
  if (confidence < minConfidence) {
    return {
      status: 'unroutable',
      agent_name: agent.name,
      confidence,
      reasoning: `confidence ${confidence} below minimum ${minConfidence} for ${agent.name}: ${why}`,
    };
  }
  return { status: 'routed', agent_name: agent.name, confidence, reasoning: why };
}
