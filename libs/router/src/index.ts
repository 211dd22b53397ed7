export { PeerAgent, PEER_AGENT_NAME, DEFAULT_MIN_CONFIDENCE, DEFAULT_HISTORY_TURNS } from './peer-agent';
export { ROUTER_VERSION } from './router-version';
export type {
  PeerAgentOptions,
  PreviousTask,
  RouteInput,
  RouteOptions,
  RouteProposal,
  RoutedDecision,
  RoutingDecision,
  RoutingResult,
  UnroutableDecision,
} from './peer-agent.types';
export { buildPeerAgentGraph, CLASSIFY_TASK_NODE, ROUTE_TO_AGENT_NODE } from './peer-agent.graph';
export type { PeerAgentGraph, PeerAgentGraphDeps, PeerAgentGraphState } from './peer-agent.graph';
export { buildSystemPrompt, buildUserPrompt, DEFAULT_PROMPT_LIMITS } from './peer-agent.prompt';
export type { PromptLimits } from './peer-agent.prompt';
export { applyRoutingRules } from './peer-agent.rules';
export { ROUTE_DECISION_SCHEMA_NAME, routeDecisionSchema } from './route-decision.schema';
