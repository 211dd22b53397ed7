import type { AgentSummary, ConversationTurn, LlmProvider } from '@agent-orchestrator/agents-core';
import type { ModelUsage, TaskStatus } from '@agent-orchestrator/domain';

/** An earlier task of the same session, so follow-ups ("now make it shorter") route like it. */
export interface PreviousTask {
  task: string;
  /** Agent that handled it, or null when it was not routed. */
  selected_agent: string | null;
  status: TaskStatus;
}

export interface RouteInput {
  /** The task to route. */
  task: string;
  /** Earlier turns of the session, oldest first; only the last few go into the prompt. */
  history: readonly ConversationTurn[];
  /** Earlier tasks of the session (not the current one), oldest first; only the last few go into the prompt. */
  previousTasks: readonly PreviousTask[];
}

export interface RouteOptions {
  /** Aborts the LLM call; `route` then rejects. */
  signal?: AbortSignal;
}

/** What the model answered in `classify_task`, before any business rule. */
export interface RouteProposal {
  agent_name: string;
  confidence: number;
  reasoning: string;
}

/** The task goes to `agent_name`, a registered agent's exact name. */
export interface RoutedDecision {
  status: 'routed';
  agent_name: string;
  confidence: number;
  reasoning: string;
}

/**
 * No agent takes the task. `agent_name` is what the model proposed (a registered
 * name in canonical case, an unregistered name as given, or `Unknown`);
 * `reasoning` says which rule refused it, then the model's own reasoning.
 */
export interface UnroutableDecision {
  status: 'unroutable';
  agent_name: string;
  confidence: number;
  reasoning: string;
}

export type RoutingDecision = RoutedDecision | UnroutableDecision;

export interface RoutingResult {
  decision: RoutingDecision;
  /** One entry per LLM call the router made, with tokens and estimated cost. */
  usage: ModelUsage[];
  /** Model that classified the task. */
  model: string;
  /** The system and user prompt text sent to the model (the router run's `input`). */
  prompt: string;
}

export interface PeerAgentOptions {
  llm: LlmProvider;
  /** Chat model for classification (config `LLM_PEER_MODEL`). */
  model: string;
  /** The agents the router may pick from, as the registry lists them. */
  agents: readonly AgentSummary[];
  /** Lowest confidence that still routes, in [0, 1] (config `ROUTER_MIN_CONFIDENCE`). Default 0.5. */
  minConfidence?: number;
  /** How many of the latest conversation turns go into the prompt. Default 6. */
  historyTurns?: number;
  /** Version recorded for router runs. Default: this package's version. */
  version?: string;
}
