import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { AgentOutput, ModelUsage, PriceTable } from '@agent-orchestrator/domain';
import type { AgentObservers } from './observe';

/** A previous turn in the same session, oldest first. */
export interface ConversationTurn {
  role: 'user' | 'assistant';
  content: string;
  agent_name?: string | null;
}

/** What an agent is asked to do. */
export interface AgentInput {
  task_id: string;
  session_id: string;
  /** The user's request, already trimmed and length-checked by the API. */
  task: string;
  /** Earlier turns of the session, for context; may be empty. */
  history: readonly ConversationTurn[];
}

/** Minimal structured logger an agent may use; the worker passes its own. */
export interface AgentLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface AgentContext {
  /** Aborted when the task's deadline passes or the task is cancelled. Pass it to every I/O call. */
  signal?: AbortSignal;
  logger?: AgentLogger;
  /**
   * The host's ear for the agent's text as it is written (the task stream's `delta` events).
   * Agents pass it to `invokeText` (`onDelta`), which then streams the LLM's answer; absent, nothing streams.
   */
  onDelta?: (text: string) => void;
}

export interface AgentRunResult {
  output: AgentOutput;
  /** One entry per LLM call the agent made, with tokens and estimated cost. */
  usage: ModelUsage[];
  /** The main model the agent used, for the run record. */
  model: string | null;
}

export interface Agent {
  readonly name: string;
  readonly version: string;
  run(input: AgentInput, ctx?: AgentContext): Promise<AgentRunResult>;
}

export interface ChatModelOptions {
  model: string;
  temperature?: number;
  maxTokens?: number;
}

/** Hands out configured chat models (provider, base URL, timeouts, retries already applied). */
export interface LlmProvider {
  /** False when no provider is configured; `chatModel` then throws LLM_NOT_CONFIGURED. */
  readonly configured: boolean;
  readonly prices: PriceTable;
  chatModel(options: ChatModelOptions): BaseChatModel;
}

/** What the host (the worker) gives an agent's factory. */
export interface AgentDeps {
  llm: LlmProvider;
  /**
   * The agent's own settings, read-only: only the environment keys its descriptor
   * declares in `settings` (the registry filters them, so no agent sees `MONGO_URI`
   * or another agent's key). Agents read them (`LLM_CONTENT_MODEL`, `TAVILY_API_KEY`,
   * ...) and throw a ConfigError from `create` when one is invalid, so the worker
   * refuses to boot.
   */
  settings: Readonly<Record<string, string | undefined>>;
  logger: AgentLogger;
  /**
   * Optional hooks the host counts in its metrics (web searches). Report to them
   * with `observeWebSearch`; LLM calls are reported by invokeText/invokeStructured.
   */
  observers?: AgentObservers;
}

/**
 * What an agent package exports (as `agentDescriptor`). Importing it must have
 * no side effects; `create` builds the agent.
 */
export interface AgentDescriptor {
  /** Registry name the router answers with, e.g. `CodeAgent`. */
  readonly name: string;
  /** The agent package's version, stored with every run it makes. */
  readonly version: string;
  /** Coarse kind of work, stored as `agent_type` on tasks, e.g. `code`. */
  readonly agent_type: string;
  /** Plain-language description the router reads to decide when to pick this agent. */
  readonly description: string;
  /**
   * The environment keys the agent reads from `deps.settings`, e.g. `['LLM_CODE_MODEL']`;
   * an entry ending in `*` is a prefix (`'TAVILY_*'`). The registry passes only these.
   * Absent or empty: the agent gets no settings.
   */
  readonly settings?: readonly string[];
  create(deps: AgentDeps): Agent;
}

export const noopLogger: AgentLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
