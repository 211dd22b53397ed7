import { ChatOpenAI } from '@langchain/openai';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { BaseMessage } from '@langchain/core/messages';
import {
  LlmError,
  LlmNotConfiguredError,
  OrchestratorError,
  TimeoutError,
  modelUsage,
  outputLimitOf,
  priceOf,
  type LlmProviderName,
  type ModelUsage,
  type OutputLimitTable,
  type PriceTable,
  type StructuredOutputMethod,
} from '@agent-orchestrator/domain';
import type { AgentLogger, ChatModelOptions, LlmProvider } from './agent';
import { LLM_PROVIDER_TABLE, openAiFactory, type ChatModelConstructor, type ChatModelFactory } from './providers';
import { bindChatModel, type LlmCallObserver } from './observe';
import { DEFAULT_CALL_POLICY, type CallPolicy } from './retry';
import type { CallLimiter } from './call-limiter';

const policies = new WeakMap<BaseChatModel, CallPolicy>();
/** How to make the same chat model with a lower completion limit (budgets cap each call). */
const cappers = new WeakMap<BaseChatModel, (maxTokens: number) => BaseChatModel>();
/** The structured-output method of a chat model made by a provider (the provider's default or the config's override). */
const structuredMethods = new WeakMap<BaseChatModel, StructuredOutputMethod>();
/** Chat models made by the OpenAI provider (LangChain's ChatOpenAI on the Chat Completions API). */
const openAiChatModels = new WeakSet<BaseChatModel>();

/** Whether `model` is a ChatOpenAI this lib made (for invokeStructured's direct JSON-schema call); false for fakes and other providers. */
export function isOpenAiChatModel(model: BaseChatModel): boolean {
  return openAiChatModels.has(model);
}

/** The timeout/retry policy of a chat model made by a provider (defaults for others, e.g. fakes). */
export function callPolicyOf(model: BaseChatModel): CallPolicy {
  return policies.get(model) ?? DEFAULT_CALL_POLICY;
}

/** The structured-output method configured for a chat model a provider made; undefined for others (fakes). */
export function structuredMethodOf(model: BaseChatModel): StructuredOutputMethod | undefined {
  return structuredMethods.get(model);
}

export interface OpenAiProviderOptions {
  apiKey?: string;
  /** Any OpenAI-compatible server (vLLM, Ollama, a proxy, a test stub). */
  baseURL?: string;
  /** Deadline of one request. */
  timeoutMs: number;
  /** Retries for transient failures (429, 5xx, network, timeouts), with exponential backoff. */
  maxRetries: number;
  prices: PriceTable;
  /** Most completion tokens per call and model (a budget's cap never goes above it); default DEFAULT_OUTPUT_LIMITS. */
  outputLimits?: OutputLimitTable;
  /** Overrides the provider's structured-output method (e.g. `functionCalling` for a server without json_schema). */
  structuredOutput?: StructuredOutputMethod;
  /** Told about every invokeText / invokeStructured call (model, agent, outcome, duration, tokens, cost): the worker's metrics. */
  observer?: LlmCallObserver;
  /** Warned once per model the price table cannot price. */
  logger?: AgentLogger;
  /** The provider's limits (concurrent requests, requests per minute), shared by every model it makes; none when unset. */
  limiter?: CallLimiter;
}

export interface ChatProviderOptions extends OpenAiProviderOptions {
  /** Which provider of the table (for its defaults). */
  provider: LlmProviderName;
  /** Makes the chat models (from `loadChatModelFactory`). */
  factory: ChatModelFactory;
}

/**
 * An LlmProvider backed by LangChain's ChatOpenAI. Configured when there is an
 * API key, or a base URL (local servers often need none).
 */
export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  return createChatProvider({ ...options, provider: 'openai', factory: openAiFactory(ChatOpenAI as unknown as ChatModelConstructor) });
}

/**
 * An LlmProvider for one provider of the table and one connection (key, base
 * URL). Configured when there is an API key, or a base URL (local servers often need none).
 *
 * It hands out the same chat model for the same options: LangChain chat models keep no state
 * between calls, and making one (an SDK client, its HTTP agent) per task is measurable work. An
 * agent name bound to a chat model (withAgentName) is therefore shared by everyone using this
 * provider with the same options: give each agent its own provider (LlmRoles does, per role).
 */
export function createChatProvider(options: ChatProviderOptions): LlmProvider {
  const configured = Boolean(options.apiKey) || Boolean(options.baseURL);
  const entry = LLM_PROVIDER_TABLE[options.provider];
  const method = options.structuredOutput ?? entry.structuredOutput;
  const warned = new Set<string>();
  const made = new Map<string, BaseChatModel>();
  return {
    configured,
    prices: options.prices,
    chatModel({ model, temperature, maxTokens }: ChatModelOptions): BaseChatModel {
      if (!configured) throw new LlmNotConfiguredError();
      if (!warned.has(model) && priceOf(model, options.prices) === undefined) {
        warned.add(model);
        options.logger?.warn('LLM model has no price: its calls are recorded with cost_usd null (unknown) and a max_cost_usd budget cannot be enforced on it; add it to LLM_PRICES', {
          model,
          provider: options.provider,
        });
      }
      const key = `${model}\u0000${temperature ?? ''}\u0000${maxTokens ?? ''}`;
      const known = made.get(key);
      if (known) return known;
      const limit = outputLimitOf(model, options.outputLimits);
      // What a call asks for without a budget: the caller's, else the provider's default (Anthropic requires one), else the server's.
      const own = maxTokens ?? (entry.defaultMaxTokens === undefined ? undefined : Math.min(entry.defaultMaxTokens, limit));
      const chat = makeChat(model, temperature, own);
      // Under a budget the cap is the tokens left, but never more than the call would ask without one
      // nor more than the model can write (the provider would answer 400).
      cappers.set(chat, (cap) => makeChat(model, temperature, Math.min(own ?? limit, cap, limit)));
      if (options.observer) bindChatModel(chat, { observer: options.observer });
      made.set(key, chat);
      return chat;
    },
  };

  function makeChat(model: string, temperature: number | undefined, maxTokens: number | undefined): BaseChatModel {
    const chat = options.factory({ model, temperature, maxTokens, apiKey: options.apiKey, baseURL: options.baseURL, timeoutMs: options.timeoutMs });
    policies.set(chat, { timeoutMs: options.timeoutMs, maxRetries: options.maxRetries, ...(options.limiter ? { limiter: options.limiter } : {}) });
    structuredMethods.set(chat, method);
    if (options.provider === 'openai') openAiChatModels.add(chat);
    return chat;
  }
}

/**
 * The same chat model with its completion limited to `maxTokens`, for a call
 * under a token budget. Models this lib did not make (test fakes) are returned as they are.
 */
export function withMaxTokens(model: BaseChatModel, maxTokens: number): BaseChatModel {
  const cap = cappers.get(model);
  return cap ? cap(Math.max(1, Math.floor(maxTokens))) : model;
}

/** Name of the model behind a chat model instance, for run records. */
export function modelNameOf(model: BaseChatModel): string {
  const m = model as unknown as { model?: unknown; modelName?: unknown };
  if (typeof m.model === 'string') return m.model;
  if (typeof m.modelName === 'string') return m.modelName;
  return model.getName();
}

/** Token usage of one response, priced; zeros when the provider reported none. */
export function usageOf(message: BaseMessage | undefined, model: string, prices: PriceTable): ModelUsage {
  const meta = (message as { usage_metadata?: { input_tokens?: number; output_tokens?: number } } | undefined)?.usage_metadata;
  return modelUsage(model, { prompt_tokens: meta?.input_tokens ?? 0, completion_tokens: meta?.output_tokens ?? 0 }, prices);
}

/** Text of a chat response, whatever content shape the provider used. */
export function textOf(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  return content.map((part) => (typeof part === 'string' ? part : part.type === 'text' && typeof part['text'] === 'string' ? part['text'] : '')).join('');
}

/**
 * Turns whatever an LLM call threw into a typed error: timeouts become TIMEOUT,
 * everything else LLM_ERROR, with `retryable` set for 429/5xx/network errors.
 * Aborts become TIMEOUT; the caller knows whether it was a deadline or a cancellation.
 */
export function toLlmError(err: unknown, model: string): OrchestratorError {
  if (err instanceof OrchestratorError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; status?: number; code?: string };
  const message = e.message ?? String(err);
  if (e.name === 'AbortError') return new OrchestratorError('TIMEOUT', `LLM call to ${model} was aborted: ${message}`, { cause: err });
  if (e.name === 'TimeoutError' || /timed? ?out/i.test(message)) {
    return new TimeoutError(`LLM call to ${model} timed out: ${message}`, { cause: err });
  }
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === 401 || status === 403) {
    return new LlmError(`The LLM provider rejected the credentials (HTTP ${status}) for model ${model}.`, { cause: err });
  }
  if (status === 404) return new LlmError(`Model ${model} was not found at the LLM provider (HTTP 404).`, { cause: err });
  const retryable = status === undefined || status === 429 || status >= 500;
  const where = status ? ` (HTTP ${status})` : '';
  return new LlmError(`LLM call to ${model} failed${where}: ${message}`, { cause: err, retryable });
}
