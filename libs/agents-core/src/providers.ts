/**
 * The LLM provider table: how to make a LangChain chat model for each provider
 * a role may name (`LLM_PROVIDER`, `LLM_<ROLE>_PROVIDER`, `LLM_<ROLE>_MODEL=anthropic:...`),
 * and which structured-output method suits it. A provider's LangChain package is
 * imported when the worker first needs it, and a missing one stops the boot with
 * an "install X" message, like a missing agent package. Adding a provider is one
 * entry here (and its name in the domain's LLM_PROVIDER_NAMES).
 */
import { createRequire } from 'node:module';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ConfigError, type LlmProviderName, type StructuredOutputMethod } from '@agent-orchestrator/domain';
import type { ModuleImporter } from './agent-registry';

/** What one chat model is made from: the role's connection plus the call's options. */
export interface ChatModelSpec {
  model: string;
  temperature?: number;
  maxTokens?: number;
  apiKey?: string;
  baseURL?: string;
  /** Deadline of one request; our retry loop owns retries, so the SDK makes none. */
  timeoutMs: number;
}

export type ChatModelFactory = (spec: ChatModelSpec) => BaseChatModel;

export interface ProviderEntry {
  /** The npm package that holds the LangChain chat model. */
  readonly package: string;
  /** The structured-output method used unless the config names another. */
  readonly structuredOutput: StructuredOutputMethod;
  /** The API key variable, for messages. */
  readonly apiKeyVariable: string;
  /** `max_tokens` sent when neither the call nor a budget sets one (Anthropic requires it). */
  readonly defaultMaxTokens?: number;
  /** Imports the package and returns a factory of chat models. */
  load(importer: ModuleImporter): Promise<ChatModelFactory>;
}

export type ChatModelConstructor = new (fields: Record<string, unknown>) => BaseChatModel;

function exported(mod: unknown, name: string): ChatModelConstructor {
  // Native import() of a CommonJS build may put the exports under `default`.
  const m = mod as Record<string, unknown> & { default?: Record<string, unknown> };
  const ctor = m[name] ?? m.default?.[name];
  if (typeof ctor !== 'function') throw new Error(`it does not export ${name}`);
  return ctor as ChatModelConstructor;
}

/** ChatOpenAI with our conventions (the OpenAI provider, and any OpenAI-compatible server through a base URL). */
export function openAiFactory(ChatOpenAI: ChatModelConstructor): ChatModelFactory {
  return (s) =>
    new ChatOpenAI({
      model: s.model,
      temperature: s.temperature,
      maxTokens: s.maxTokens,
      // Local OpenAI-compatible servers accept any key; the SDK insists on one.
      apiKey: s.apiKey || 'not-needed',
      configuration: s.baseURL ? { baseURL: s.baseURL } : undefined,
      // Retries and deadlines are ours (callWithRetry): one policy for every provider,
      // Retry-After honoured, and timeouts told apart from other failures reliably.
      timeout: s.timeoutMs + 1000,
      maxRetries: 0,
      useResponsesApi: false,
    });
}

export const LLM_PROVIDER_TABLE: Readonly<Record<LlmProviderName, ProviderEntry>> = {
  openai: {
    package: '@langchain/openai',
    // Many OpenAI-compatible servers (older vLLM, Ollama, proxies) lack json_schema: set LLM_STRUCTURED_OUTPUT.
    structuredOutput: 'jsonSchema',
    apiKeyVariable: 'OPENAI_API_KEY',
    async load(importer) {
      return openAiFactory(exported(await importer('@langchain/openai'), 'ChatOpenAI'));
    },
  },
  anthropic: {
    package: '@langchain/anthropic',
    // Anthropic's structured output is a forced tool call (tool_use).
    structuredOutput: 'functionCalling',
    apiKeyVariable: 'ANTHROPIC_API_KEY',
    // Larger non-streaming requests are refused by the Anthropic SDK (they may run past 10 minutes).
    defaultMaxTokens: 8192,
    async load(importer) {
      const ChatAnthropic = exported(await importer('@langchain/anthropic'), 'ChatAnthropic');
      return (s) =>
        new ChatAnthropic({
          model: s.model,
          temperature: s.temperature,
          // The Messages API requires max_tokens; without a budget the model's own limit is sent.
          maxTokens: s.maxTokens,
          apiKey: s.apiKey || 'not-needed',
          anthropicApiUrl: s.baseURL,
          maxRetries: 0,
          clientOptions: { timeout: s.timeoutMs + 1000, maxRetries: 0 },
        });
    },
  },
};

/**
 * With require, resolved from this lib: the libs are CommonJS, and an import() of @langchain/openai
 * loads its ESM build, which brings a second LangChain core, OpenAI SDK and zod into memory next to
 * the CommonJS ones the rest of the worker uses (measured: both copies on the hot path).
 */
const requireHere = createRequire(__filename);
const defaultImporter: ModuleImporter = async (specifier) => requireHere(specifier) as unknown;

/**
 * The chat model factory of `provider`, its package imported now. A missing
 * package is a ConfigError that says what to install.
 */
export async function loadChatModelFactory(provider: LlmProviderName, importer: ModuleImporter = defaultImporter): Promise<ChatModelFactory> {
  const entry = LLM_PROVIDER_TABLE[provider];
  if (!entry) throw new ConfigError(`Unknown LLM provider "${provider}"; known: ${Object.keys(LLM_PROVIDER_TABLE).join(', ')}.`, [{ field: 'LLM_PROVIDER', message: provider }]);
  try {
    return await entry.load(importer);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    const hint = missing ? `is not installed: run \`npm install ${entry.package}\`` : `failed to load: ${(err as Error).message}`;
    throw new ConfigError(`The LLM provider "${provider}" needs ${entry.package}, which ${hint}.`, [{ field: 'LLM_PROVIDER', message: provider }]);
  }
}
