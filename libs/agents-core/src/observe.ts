// Observation hooks: how the host (the worker) learns about each LLM call and
// web search an agent makes, to count them in its metrics, without agents or
// agents-core knowing about Prometheus. Observers must be cheap and must not
// throw; a throwing observer is ignored.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { OrchestratorError, type ModelUsage } from '@agent-orchestrator/domain';
import type { LlmProvider } from './agent';

/** The agent label of a call made through a provider no agent name was bound to. */
export const UNNAMED_AGENT = 'unknown';

export type CallOutcome = 'success' | 'failure';

/** One LLM call (invokeText / invokeStructured), retries included. */
export interface LlmCallObservation {
  model: string;
  /** The agent that made it (`PeerAgent` for the router), from withAgentName. */
  agent: string;
  outcome: CallOutcome;
  /** Wall time of the call, every retry and backoff included. */
  duration_ms: number;
  /** Tokens and cost the provider reported; zero when the call failed before an answer. Cost null: the model has no price. */
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number | null;
  /** Stable error type of a failed call (`LLM_ERROR`, `TIMEOUT`...), else null. */
  error_type: string | null;
}
export type LlmCallObserver = (call: LlmCallObservation) => void;

/** One request to a web search backend (each retry is one). */
export interface WebSearchObservation {
  agent: string;
  /** The backend, e.g. `tavily`. */
  source: string;
  outcome: CallOutcome;
  duration_ms: number;
  /** Results returned (0 on failure). */
  results: number;
  error_type: string | null;
}
export type WebSearchObserver = (search: WebSearchObservation) => void;

/** Observers the host hands an agent in AgentDeps. The registry binds them to the agent's name. */
export interface AgentObservers {
  webSearch?: WebSearchObserver;
}

interface Binding {
  observer?: LlmCallObserver;
  agent?: string;
}
const bindings = new WeakMap<BaseChatModel, Binding>();

/** Attaches an observer and/or an agent name to a chat model; later bindings add to earlier ones. */
export function bindChatModel(chat: BaseChatModel, binding: Binding): BaseChatModel {
  const current = bindings.get(chat) ?? {};
  bindings.set(chat, { observer: binding.observer ?? current.observer, agent: binding.agent ?? current.agent });
  return chat;
}

/** A provider that reports every call made with its chat models to `observer` (createOpenAiProvider takes `observer` directly). */
export function withLlmObserver(provider: LlmProvider, observer: LlmCallObserver): LlmProvider {
  return wrapProvider(provider, { observer });
}

/**
 * A provider whose chat models carry `agent` as the name their calls are
 * reported under. The registry gives each agent one; the router names itself.
 * A chat model instance belongs to one agent: a provider that hands the same
 * instance to two agents gets the name of the last one.
 */
export function withAgentName(provider: LlmProvider, agent: string): LlmProvider {
  return wrapProvider(provider, { agent });
}

function wrapProvider(provider: LlmProvider, binding: Binding): LlmProvider {
  return {
    get configured() {
      return provider.configured;
    },
    get prices() {
      return provider.prices;
    },
    chatModel: (options) => bindChatModel(provider.chatModel(options), binding),
  };
}

function safely<T>(observer: ((value: T) => void) | undefined, value: T): void {
  if (!observer) return;
  try {
    observer(value);
  } catch {
    // An observer is bookkeeping; it never fails a call.
  }
}

const errorType = (err: unknown): string => (err instanceof OrchestratorError ? err.type : 'INTERNAL_ERROR');

/** Reports one finished LLM call made with `chat`, if an observer is bound to it. */
export function reportLlmCall(chat: BaseChatModel, call: { model: string; startedAt: number; usage?: ModelUsage; error?: unknown }): void {
  const binding = bindings.get(chat);
  if (!binding?.observer) return;
  safely(binding.observer, {
    model: call.model,
    agent: binding.agent ?? UNNAMED_AGENT,
    outcome: call.error === undefined ? 'success' : 'failure',
    duration_ms: Math.max(0, performance.now() - call.startedAt),
    prompt_tokens: call.usage?.prompt_tokens ?? 0,
    completion_tokens: call.usage?.completion_tokens ?? 0,
    cost_usd: call.usage ? call.usage.cost_usd : 0,
    error_type: call.error === undefined ? null : errorType(call.error),
  });
}

/** Observers bound to `agent`: whatever name the agent reports, observations carry the registered one. */
export function bindAgentObservers(observers: AgentObservers | undefined, agent: string): AgentObservers {
  const webSearch = observers?.webSearch;
  return webSearch ? { webSearch: (search) => safely(webSearch, { ...search, agent }) } : {};
}

/**
 * Times `search` and reports it to `observer` (success with the number of
 * results, or failure with the error's type), then returns or rethrows its
 * outcome unchanged. For agents that call a search backend.
 */
export async function observeWebSearch<T extends readonly unknown[]>(
  observer: WebSearchObserver | undefined,
  what: { agent: string; source: string },
  search: () => Promise<T>,
): Promise<T> {
  if (!observer) return search();
  const startedAt = performance.now();
  const report = (outcome: CallOutcome, results: number, error: unknown) =>
    safely(observer, {
      ...what,
      outcome,
      duration_ms: Math.max(0, performance.now() - startedAt),
      results,
      error_type: error === undefined ? null : errorType(error),
    });
  try {
    const hits = await search();
    report('success', hits.length, undefined);
    return hits;
  } catch (err) {
    report('failure', 0, err);
    throw err;
  }
}
