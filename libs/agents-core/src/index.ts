export type {
  Agent,
  AgentContext,
  AgentDeps,
  AgentDescriptor,
  AgentInput,
  AgentLogger,
  AgentRunResult,
  ChatModelOptions,
  ConversationTurn,
  LlmProvider,
} from './agent';
export { noopLogger } from './agent';
export { AgentRegistry, SETTING_PATTERN, UNKNOWN_AGENT, isAgentDescriptor, loadAgentDescriptors, settingsFor } from './agent-registry';
export type { AgentSummary, ModuleImporter, RegisteredAgent } from './agent-registry';
export { callPolicyOf, createChatProvider, createOpenAiProvider, modelNameOf, structuredMethodOf, textOf, toLlmError, usageOf, withMaxTokens } from './llm';
export { LLM_PROVIDER_TABLE, loadChatModelFactory, openAiFactory } from './providers';
export type { ChatModelConstructor, ChatModelFactory, ChatModelSpec, ProviderEntry } from './providers';
export { LlmRoles, llmRoleOf } from './llm-roles';
export type { LlmRoleSettings, LlmRolesOptions, ProviderConnection, ResolvedRole } from './llm-roles';
export { UsageMeter, currentUsageMeter, runWithUsageMeter } from './usage-meter';
export { CallLimiter } from './call-limiter';
export type { CallLimits, Release } from './call-limiter';
export { DEFAULT_CALL_POLICY, backoffDelay, callWithRetry, retryAfterMs } from './retry';
export type { CallPolicy, RetryHooks } from './retry';
export { abortError, abortable, throwIfAborted } from './abort';
export type { ChatProviderOptions, OpenAiProviderOptions } from './llm';
export { invokeStructured, invokeText } from './structured';
export type { LlmCallResult, StreamField, StructuredOutputMethod } from './structured';
export { JsonStringFieldReader } from './json-field-stream';
export { packageVersion } from './package-version';
export { HISTORY_LIMITS, historyMessages, historyTranscript, recentHistory } from './history';
export type { HistoryLimits } from './history';
export { UNNAMED_AGENT, bindAgentObservers, observeWebSearch, withAgentName, withLlmObserver } from './observe';
export type { AgentObservers, CallOutcome, LlmCallObservation, LlmCallObserver, WebSearchObservation, WebSearchObserver } from './observe';
