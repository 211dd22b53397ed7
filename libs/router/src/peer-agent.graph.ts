/**
 * The PeerAgent as a LangGraph graph: START → classify_task → route_to_agent → END.
 * Nodes only read and write the state below, so a new step (a cheaper
 * pre-classifier, a clarifying-question branch, a second opinion on low
 * confidence) is one more node and an edge or two.
 */
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { SystemMessage, HumanMessage } from '@langchain/core/messages';
import { invokeStructured, type AgentSummary, type ConversationTurn } from '@agent-orchestrator/agents-core';
import type { ModelUsage, PriceTable } from '@agent-orchestrator/domain';
import { buildSystemPrompt, buildUserPrompt, promptText, type PromptLimits } from './peer-agent.prompt';
import { applyRoutingRules } from './peer-agent.rules';
import type { PreviousTask, RouteProposal, RoutingDecision } from './peer-agent.types';
import { ROUTE_DECISION_SCHEMA_NAME, routeDecisionSchema } from './route-decision.schema';

export const CLASSIFY_TASK_NODE = 'classify_task';
export const ROUTE_TO_AGENT_NODE = 'route_to_agent';

export const PeerAgentState = Annotation.Root({
  // Input.
  task: Annotation<string>,
  history: Annotation<readonly ConversationTurn[]>,
  previousTasks: Annotation<readonly PreviousTask[]>,
  // Written by classify_task.
  prompt: Annotation<string>,
  model: Annotation<string>,
  proposal: Annotation<RouteProposal>,
  // Written by route_to_agent.
  decision: Annotation<RoutingDecision>,
  // Every node that calls a model appends its usage.
  usage: Annotation<ModelUsage[]>({ reducer: (all, more) => all.concat(more), default: () => [] }),
});

export type PeerAgentGraphState = typeof PeerAgentState.State;
export type PeerAgentGraphUpdate = typeof PeerAgentState.Update;

export interface PeerAgentGraphDeps {
  /** The classifier model; called on first use, so an unconfigured provider fails the route, not the boot. */
  chat: () => BaseChatModel;
  prices: PriceTable;
  agents: readonly AgentSummary[];
  minConfidence: number;
  limits: PromptLimits;
}

export function buildPeerAgentGraph(deps: PeerAgentGraphDeps) {
  const system = buildSystemPrompt(deps.agents);

  const classifyTask = async (state: PeerAgentGraphState, config: LangGraphRunnableConfig): Promise<PeerAgentGraphUpdate> => {
    const user = buildUserPrompt({ task: state.task, history: state.history, previousTasks: state.previousTasks }, deps.limits);
    const { value, usage, model } = await invokeStructured(deps.chat(), routeDecisionSchema, [new SystemMessage(system), new HumanMessage(user)], {
      name: ROUTE_DECISION_SCHEMA_NAME,
      prices: deps.prices,
      signal: config.signal,
    });
    return { prompt: promptText(system, user), model, proposal: value, usage: [usage] };
  };

  const routeToAgent = (state: PeerAgentGraphState): PeerAgentGraphUpdate => ({
    decision: applyRoutingRules(state.proposal, { agents: deps.agents, minConfidence: deps.minConfidence }),
  });

  return new StateGraph(PeerAgentState)
    .addNode(CLASSIFY_TASK_NODE, classifyTask)
    .addNode(ROUTE_TO_AGENT_NODE, routeToAgent)
    .addEdge(START, CLASSIFY_TASK_NODE)
    .addEdge(CLASSIFY_TASK_NODE, ROUTE_TO_AGENT_NODE)
    .addEdge(ROUTE_TO_AGENT_NODE, END)
    .compile({ name: 'PeerAgent' });
}

export type PeerAgentGraph = ReturnType<typeof buildPeerAgentGraph>;
