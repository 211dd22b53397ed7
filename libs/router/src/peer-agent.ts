import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { UNKNOWN_AGENT, withAgentName, type AgentSummary, type LlmProvider } from '@agent-orchestrator/agents-core';
import { ConfigError, ErrorType, OrchestratorError, ValidationError, agentSummary, type ErrorDetail } from '@agent-orchestrator/domain';
import { buildPeerAgentGraph, type PeerAgentGraph } from './peer-agent.graph';
import { DEFAULT_PROMPT_LIMITS } from './peer-agent.prompt';
import type { PeerAgentOptions, RouteInput, RouteOptions, RoutingResult } from './peer-agent.types';
import { ROUTER_VERSION } from './router-version';

/** Name stored on router runs (`agent_runs.agent_name` with `kind: 'router'`). */
export const PEER_AGENT_NAME = 'PeerAgent';
export const DEFAULT_MIN_CONFIDENCE = 0.5;
export const DEFAULT_HISTORY_TURNS = DEFAULT_PROMPT_LIMITS.historyTurns;

function validateAgents(agents: unknown): ErrorDetail[] {
  if (!Array.isArray(agents) || agents.length === 0) {
    return [{ field: 'AGENTS', message: 'the router needs at least one agent to route to' }];
  }
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const a of agents as Partial<AgentSummary>[]) {
    const name = a?.name;
    if (typeof name !== 'string' || name.trim() === '' || name !== name.trim()) {
      problems.push({ field: 'AGENTS', message: `agent name ${JSON.stringify(name)} must be a non-empty string without surrounding spaces` });
      continue;
    }
    const key = name.toLowerCase();
    if (key === UNKNOWN_AGENT.toLowerCase()) problems.push({ field: 'AGENTS', message: `"${name}" is reserved for tasks no agent can handle` });
    // Names match case-insensitively, so names differing only in case would be ambiguous.
    else if (seen.has(key)) problems.push({ field: 'AGENTS', message: `agent "${name}" is listed twice (names are compared case-insensitively)` });
    seen.add(key);
    if (typeof a.description !== 'string' || a.description.trim() === '') {
      problems.push({ field: 'AGENTS', message: `agent "${name}" has no description, so the router cannot know when to pick it` });
    }
    if (typeof a.agent_type !== 'string' || a.agent_type.trim() === '') {
      problems.push({ field: 'AGENTS', message: `agent "${name}" has no agent_type` });
    }
  }
  return problems;
}

/**
 * The router: decides which registered agent handles a task. It knows agents
 * only by their summaries (name, type, description), never by their code.
 */
export class PeerAgent {
  readonly name = PEER_AGENT_NAME;
  readonly version: string;
  readonly model: string;
  readonly minConfidence: number;
  readonly agents: readonly AgentSummary[];
  private readonly llm: LlmProvider;
  private readonly graph: PeerAgentGraph;
  private chat: BaseChatModel | undefined;

  constructor(options: PeerAgentOptions) {
    const { llm, model, agents, minConfidence = DEFAULT_MIN_CONFIDENCE, historyTurns = DEFAULT_HISTORY_TURNS, version = ROUTER_VERSION } = options;
    const problems: ErrorDetail[] = [];
    if (!llm || typeof llm.chatModel !== 'function') problems.push({ field: 'llm', message: 'an LLM provider is required' });
    if (typeof model !== 'string' || model.trim() === '') problems.push({ field: 'LLM_PEER_MODEL', message: 'the router model name must not be empty' });
    if (typeof minConfidence !== 'number' || !Number.isFinite(minConfidence) || minConfidence < 0 || minConfidence > 1) {
      problems.push({ field: 'ROUTER_MIN_CONFIDENCE', message: `must be a number from 0 to 1, got ${String(minConfidence)}` });
    }
    if (!Number.isInteger(historyTurns) || historyTurns < 0) {
      problems.push({ field: 'historyTurns', message: `must be an integer of 0 or more, got ${String(historyTurns)}` });
    }
    problems.push(...validateAgents(agents));
    if (problems.length > 0) {
      throw new ConfigError(`Invalid PeerAgent configuration: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, problems);
    }

    // The router's LLM calls are reported (metrics) under its own name.
    this.llm = withAgentName(llm, PEER_AGENT_NAME);
    this.model = model;
    this.minConfidence = minConfidence;
    this.version = version;
    this.agents = Object.freeze(agents.map((a) => Object.freeze(agentSummary(a))));
    this.graph = buildPeerAgentGraph({
      chat: () => (this.chat ??= this.llm.chatModel({ model: this.model })),
      prices: llm.prices,
      agents: this.agents,
      minConfidence,
      limits: { ...DEFAULT_PROMPT_LIMITS, historyTurns },
    });
  }

  /**
   * Classifies the task with one LLM call and applies the routing rules.
   * An unroutable task is a normal result (`decision.status === 'unroutable'`);
   * LLM failures reject with LLM_ERROR or TIMEOUT, an abort with TIMEOUT
   * (or the abort reason, when that is already a typed error).
   */
  async route(input: RouteInput, options: RouteOptions = {}): Promise<RoutingResult> {
    if (typeof input?.task !== 'string' || input.task.trim() === '') {
      throw new ValidationError('The task to route must be a non-empty string.', [{ field: 'task', message: 'must not be empty' }]);
    }
    const { signal } = options;
    let state;
    try {
      state = await this.graph.invoke({ task: input.task, history: input.history ?? [], previousTasks: input.previousTasks ?? [] }, { signal });
    } catch (err) {
      throw this.toRoutingError(err, signal);
    }
    return { decision: state.decision, usage: state.usage, model: state.model ?? this.model, prompt: state.prompt };
  }

  private toRoutingError(err: unknown, signal: AbortSignal | undefined): unknown {
    if (err instanceof OrchestratorError) return err;
    // LangGraph reports an abort with its own AbortError (or the signal's reason), not the node's error.
    if (signal?.aborted) {
      if (signal.reason instanceof OrchestratorError) return signal.reason;
      const why = err instanceof Error ? err.message : String(err);
      return new OrchestratorError(ErrorType.TIMEOUT, `Routing with ${this.model} was aborted: ${why}`, { cause: err });
    }
    return err;
  }
}
