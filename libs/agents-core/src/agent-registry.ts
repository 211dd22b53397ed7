import { AgentNotFoundError, ConfigError, agentSummary, type AgentSummary } from '@agent-orchestrator/domain';
import type { Agent, AgentDeps, AgentDescriptor } from './agent';
import { bindAgentObservers, withAgentName } from './observe';

export interface RegisteredAgent {
  descriptor: AgentDescriptor;
  agent: Agent;
}

/** Public summary of a registered agent (what the router prompt and the API show): the domain's. */
export type { AgentSummary };

/** Maps agent names to live agent instances. Built once at worker boot. */
export class AgentRegistry {
  private readonly agents = new Map<string, RegisteredAgent>();

  register(descriptor: AgentDescriptor, deps: AgentDeps): this {
    if (this.agents.has(descriptor.name)) {
      throw new ConfigError(`Agent "${descriptor.name}" is registered twice; check AGENTS.`);
    }
    if (descriptor.name === UNKNOWN_AGENT) {
      throw new ConfigError(`"${UNKNOWN_AGENT}" is reserved for tasks no agent can handle.`);
    }
    // The agent's LLM calls and web searches are reported under its registered name, and it sees
    // only the settings it declares (never MONGO_URI, REDIS_URL or another agent's key).
    const scoped: AgentDeps = {
      ...deps,
      settings: settingsFor(descriptor, deps.settings),
      llm: withAgentName(deps.llm, descriptor.name),
      observers: bindAgentObservers(deps.observers, descriptor.name),
    };
    this.agents.set(descriptor.name, { descriptor, agent: descriptor.create(scoped) });
    return this;
  }

  has(name: string): boolean {
    return this.agents.has(name);
  }

  get(name: string): RegisteredAgent {
    const entry = this.agents.get(name);
    if (!entry) throw new AgentNotFoundError(name);
    return entry;
  }

  list(): AgentSummary[] {
    return [...this.agents.values()].map(({ descriptor }) => agentSummary(descriptor));
  }

  get size(): number {
    return this.agents.size;
  }
}

/** The name the router answers with when no registered agent fits. */
export const UNKNOWN_AGENT = 'Unknown';

/** An entry of `AgentDescriptor.settings`: an environment key, or a key prefix ending in `*`. */
export const SETTING_PATTERN = /^[A-Z][A-Z0-9_]*\*?$/;

/**
 * The part of `env` an agent may see: the keys its descriptor declares in `settings`
 * (exact names, or prefixes ending in `*`). A frozen copy, so the agent cannot change
 * what others read.
 */
export function settingsFor(descriptor: Pick<AgentDescriptor, 'settings'>, env: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string | undefined>> {
  const declared = descriptor.settings ?? [];
  const exact = new Set(declared.filter((s) => !s.endsWith('*')));
  const prefixes = declared.filter((s) => s.endsWith('*')).map((s) => s.slice(0, -1));
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (exact.has(key) || prefixes.some((p) => key.startsWith(p)))) out[key] = value;
  }
  return Object.freeze(out);
}

export function isAgentDescriptor(value: unknown): value is AgentDescriptor {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    typeof d['name'] === 'string' &&
    d['name'].length > 0 &&
    typeof d['version'] === 'string' &&
    typeof d['agent_type'] === 'string' &&
    typeof d['description'] === 'string' &&
    typeof d['create'] === 'function' &&
    (d['settings'] === undefined || (Array.isArray(d['settings']) && d['settings'].every((s) => typeof s === 'string' && SETTING_PATTERN.test(s))))
  );
}

export type ModuleImporter = (specifier: string) => Promise<unknown>;

const defaultImporter: ModuleImporter = (specifier) => import(specifier);

/**
 * Imports agent packages by name and returns their descriptors. A package that
 * is missing, fails to load, or exports no valid `agentDescriptor` stops the
 * boot with a message that says which one and what to do.
 */
export async function loadAgentDescriptors(specifiers: readonly string[], importer: ModuleImporter = defaultImporter): Promise<AgentDescriptor[]> {
  const descriptors: AgentDescriptor[] = [];
  for (const specifier of specifiers) {
    let mod: unknown;
    try {
      mod = await importer(specifier);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
      const hint = missing ? `is not installed: run \`npm install ${specifier}\` or remove it from AGENTS` : `failed to load: ${(err as Error).message}`;
      throw new ConfigError(`Agent package "${specifier}" ${hint}.`, [{ field: 'AGENTS', message: specifier }]);
    }
    // Native import() of a CommonJS build may put the exports under `default`.
    const m = mod as { agentDescriptor?: unknown; default?: { agentDescriptor?: unknown } } | null;
    const descriptor = m?.agentDescriptor ?? m?.default?.agentDescriptor;
    if (!isAgentDescriptor(descriptor)) {
      throw new ConfigError(
        `Agent package "${specifier}" does not export a valid \`agentDescriptor\` (name, version, agent_type, description, create, and settings as a list of env keys or KEY_PREFIX_*).`,
        [{ field: 'AGENTS', message: specifier }],
      );
    }
    descriptors.push(descriptor);
  }
  return descriptors;
}
