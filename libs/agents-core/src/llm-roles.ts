/**
 * One LlmProvider per role (the router, each agent), each on its own provider,
 * model and base URL. The worker builds an `LlmRoles` from its config at boot
 * (every provider a role names is imported then) and hands each agent
 * `forRole(role)` as `deps.llm`: the agent keeps reading only its own
 * `LLM_<ROLE>_MODEL`, and a model given as `anthropic:claude-...` picks its provider.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import {
  ConfigError,
  parseModelRef,
  type LlmProviderName,
  type OutputLimitTable,
  type PriceTable,
  type StructuredOutputMethod,
} from '@agent-orchestrator/domain';
import type { AgentLogger, ChatModelOptions, LlmProvider } from './agent';
import type { ModuleImporter } from './agent-registry';
import { CallLimiter, type CallLimits } from './call-limiter';
import { createChatProvider } from './llm';
import type { LlmCallObserver } from './observe';
import { loadChatModelFactory, type ChatModelFactory } from './providers';

/** A provider's connection: its key and base URL (OPENAI_*, ANTHROPIC_*). */
export interface ProviderConnection {
  apiKey?: string;
  baseURL?: string;
}

/** What the config says about one role (`LLM_<ROLE>_*`); anything unset falls back to the defaults. */
export interface LlmRoleSettings {
  /** `LLM_<ROLE>_PROVIDER`. */
  provider?: LlmProviderName;
  /** `LLM_<ROLE>_MODEL`, possibly `provider:model`. */
  model?: string;
  /** `LLM_<ROLE>_BASE_URL`: this role's server (e.g. a vLLM for the router only). */
  baseURL?: string;
  /** `LLM_<ROLE>_STRUCTURED_OUTPUT`. */
  structuredOutput?: StructuredOutputMethod;
}

export interface LlmRolesOptions {
  /** `LLM_PROVIDER`: the provider of a role that names none. */
  defaultProvider: LlmProviderName;
  connections: Partial<Record<LlmProviderName, ProviderConnection>>;
  /** By role name in capitals: `PEER`, `CONTENT`, `CODE`, `TEST`... */
  roles: Readonly<Record<string, LlmRoleSettings>>;
  /** `LLM_STRUCTURED_OUTPUT`: every role's method unless the role sets its own. */
  structuredOutput?: StructuredOutputMethod;
  timeoutMs: number;
  maxRetries: number;
  prices: PriceTable;
  outputLimits?: OutputLimitTable;
  observer?: LlmCallObserver;
  logger?: AgentLogger;
  importer?: ModuleImporter;
  /**
   * LLM_MAX_CONCURRENCY / LLM_RPM: limits of each provider connection (provider + base URL), shared
   * by every role and task of the process that calls it; a call over them waits. Unset: none.
   */
  limits?: CallLimits;
}

export interface ResolvedRole {
  provider: LlmProviderName;
  /** The model named in the config, without its provider prefix; undefined when the config names none. */
  model: string | undefined;
  baseURL: string | undefined;
}

/** The role an agent's LLM settings belong to: `LLM_CONTENT_MODEL` in its descriptor → `CONTENT`; else its agent_type. */
export function llmRoleOf(descriptor: { agent_type: string; settings?: readonly string[] }): string {
  for (const s of descriptor.settings ?? []) {
    const m = /^LLM_([A-Z][A-Z0-9_]*)_MODEL$/.exec(s);
    if (m?.[1]) return m[1];
  }
  return descriptor.agent_type.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export class LlmRoles {
  private readonly providers = new Map<string, LlmProvider>();
  /** One per provider connection (`provider baseURL`), whatever the role or structured-output method. */
  private readonly limiters = new Map<string, CallLimiter>();

  private constructor(
    private readonly options: LlmRolesOptions,
    private readonly factories: ReadonlyMap<LlmProviderName, ChatModelFactory>,
  ) {}

  /** Imports every provider the config names (a missing package is a ConfigError naming it). */
  static async create(options: LlmRolesOptions): Promise<LlmRoles> {
    const needed = new Set<LlmProviderName>([options.defaultProvider]);
    for (const role of Object.values(options.roles)) {
      if (role.provider) needed.add(role.provider);
      const prefixed = role.model ? parseModelRef(role.model).provider : null;
      if (prefixed) needed.add(prefixed);
    }
    const factories = new Map<LlmProviderName, ChatModelFactory>();
    for (const name of needed) factories.set(name, await loadChatModelFactory(name, options.importer));
    return new LlmRoles(options, factories);
  }

  /** Provider, model and base URL of `role`, as configured. */
  resolve(role: string, model?: string): ResolvedRole {
    const settings = this.options.roles[role] ?? {};
    const ref = parseModelRef(model ?? settings.model ?? '');
    const provider = ref.provider ?? settings.provider ?? this.options.defaultProvider;
    return { provider, model: ref.model || undefined, baseURL: settings.baseURL ?? this.options.connections[provider]?.baseURL };
  }

  /**
   * Boot check of a role: a role on a provider other than OpenAI must name its
   * model (the agents' built-in defaults are OpenAI models).
   */
  check(role: string, modelSetting = `LLM_${role}_MODEL`): void {
    const resolved = this.resolve(role);
    if (resolved.provider !== 'openai' && resolved.model === undefined) {
      throw new ConfigError(`${modelSetting} must be set: the ${role} role uses the ${resolved.provider} provider, and the built-in default model is an OpenAI one.`, [
        { field: modelSetting, message: 'required for a non-OpenAI provider' },
      ]);
    }
  }

  /** Whether `role` can make calls (a key or base URL for its provider). */
  configured(role: string): boolean {
    return this.forRole(role).configured;
  }

  /** The models the roles are configured with, for pricing checks ("provider:model" stripped). */
  configuredModels(): string[] {
    return Object.keys(this.options.roles)
      .map((role) => this.resolve(role).model)
      .filter((m): m is string => m !== undefined);
  }

  /** The LlmProvider of `role`: a model it is asked for may carry a `provider:` prefix. */
  forRole(role: string): LlmProvider {
    const of = (model?: string): LlmProvider => {
      const { provider, baseURL } = this.resolve(role, model);
      // One provider per role, so the chat models it reuses carry that role's agent name only.
      const key = `${role} ${provider} ${baseURL ?? ''} ${this.methodOf(role) ?? ''}`;
      let p = this.providers.get(key);
      if (!p) {
        const factory = this.factories.get(provider);
        if (!factory) throw new ConfigError(`The LLM provider "${provider}" (role ${role}) was not loaded at boot; name it in LLM_${role}_PROVIDER or LLM_${role}_MODEL.`);
        const { timeoutMs, maxRetries, prices, outputLimits, observer, logger } = this.options;
        const connection = this.options.connections[provider] ?? {};
        const limiter = this.limiterOf(`${provider} ${baseURL ?? ''}`);
        p = createChatProvider({ provider, factory, apiKey: connection.apiKey, baseURL, timeoutMs, maxRetries, prices, outputLimits, observer, logger, limiter, structuredOutput: this.methodOf(role) });
        this.providers.set(key, p);
      }
      return p;
    };
    const prices = this.options.prices;
    return {
      get configured() {
        return of().configured;
      },
      prices,
      chatModel(options: ChatModelOptions): BaseChatModel {
        const ref = parseModelRef(options.model);
        return of(options.model).chatModel({ ...options, model: ref.model });
      },
    };
  }

  /** The limiter of a provider connection; undefined without limits. */
  private limiterOf(connection: string): CallLimiter | undefined {
    const limits = this.options.limits;
    if (!limits || (limits.maxConcurrent === 0 && limits.perMinute === 0)) return undefined;
    let limiter = this.limiters.get(connection);
    if (!limiter) this.limiters.set(connection, (limiter = new CallLimiter(limits)));
    return limiter;
  }

  private methodOf(role: string): StructuredOutputMethod | undefined {
    return this.options.roles[role]?.structuredOutput ?? this.options.structuredOutput;
  }
}
