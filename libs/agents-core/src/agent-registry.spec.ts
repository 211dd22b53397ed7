import { ConfigError } from '@agent-orchestrator/domain';
import { noopLogger, type AgentDescriptor } from './agent';
import { AgentRegistry, isAgentDescriptor, loadAgentDescriptors, settingsFor } from './agent-registry';
import { scriptedLlmProvider } from './testing';

const descriptor = (name: string): AgentDescriptor => ({
  name,
  version: '1.0.0',
  agent_type: 'test',
  description: `${name} does test things`,
  create: () => ({ name, version: '1.0.0', run: async () => ({ output: { agent_name: name, content: 'x', citations: [] }, usage: [], model: null }) }),
});
const deps = { llm: scriptedLlmProvider(() => 'x'), settings: {}, logger: noopLogger };

describe('AgentRegistry', () => {
  it('registers, finds and lists agents', () => {
    const r = new AgentRegistry().register(descriptor('A'), deps).register(descriptor('B'), deps);
    expect(r.get('A').agent.name).toBe('A');
    expect(r.has('C')).toBe(false);
    expect(r.list().map((a) => a.name)).toEqual(['A', 'B']);
    expect(() => r.get('C')).toThrow(/No agent named "C"/);
  });

  it('refuses duplicates and the reserved Unknown name', () => {
    const r = new AgentRegistry().register(descriptor('A'), deps);
    expect(() => r.register(descriptor('A'), deps)).toThrow(ConfigError);
    expect(() => r.register(descriptor('Unknown'), deps)).toThrow(/reserved/);
  });
});

describe('settings', () => {
  const env = { MONGO_URI: 'mongodb://secret', OPENAI_API_KEY: 'sk-secret', LLM_CODE_MODEL: 'gpt-4.1', TAVILY_API_KEY: 'tvly', TAVILY_TIMEOUT_MS: '10', TAVILYX: 'no', UNSET: undefined };

  it('settingsFor keeps only the declared keys and prefixes, frozen', () => {
    expect(settingsFor({ settings: ['LLM_CODE_MODEL', 'TAVILY_*', 'UNSET'] }, env)).toEqual({ LLM_CODE_MODEL: 'gpt-4.1', TAVILY_API_KEY: 'tvly', TAVILY_TIMEOUT_MS: '10' });
    expect(settingsFor({}, env)).toEqual({});
    expect(Object.isFrozen(settingsFor({ settings: ['LLM_CODE_MODEL'] }, env))).toBe(true);
  });

  it('the registry gives each agent only its declared settings, never MONGO_URI or the OpenAI key', () => {
    let seen: unknown;
    const d: AgentDescriptor = {
      ...descriptor('A'),
      settings: ['LLM_CODE_MODEL'],
      create: (deps) => {
        seen = deps.settings;
        return descriptor('A').create(deps);
      },
    };
    new AgentRegistry().register(d, { ...deps, settings: env });
    expect(seen).toEqual({ LLM_CODE_MODEL: 'gpt-4.1' });
  });

  it('a descriptor with malformed settings is not a descriptor', () => {
    expect(isAgentDescriptor({ ...descriptor('A'), settings: ['LLM_CODE_MODEL'] })).toBe(true);
    expect(isAgentDescriptor({ ...descriptor('A'), settings: ['*'] })).toBe(false);
    expect(isAgentDescriptor({ ...descriptor('A'), settings: 'LLM_CODE_MODEL' })).toBe(false);
  });
});

describe('loadAgentDescriptors', () => {
  it('loads descriptors from modules, including CommonJS default exports', async () => {
    const modules: Record<string, unknown> = { a: { agentDescriptor: descriptor('A') }, b: { default: { agentDescriptor: descriptor('B') } } };
    const loaded = await loadAgentDescriptors(['a', 'b'], async (s) => modules[s]);
    expect(loaded.map((d) => d.name)).toEqual(['A', 'B']);
  });

  it('says how to fix a missing package', async () => {
    const importer = async () => {
      throw Object.assign(new Error("Cannot find module 'x'"), { code: 'MODULE_NOT_FOUND' });
    };
    await expect(loadAgentDescriptors(['@acme/agent-x'], importer)).rejects.toThrow('Agent package "@acme/agent-x" is not installed: run `npm install @acme/agent-x` or remove it from AGENTS.');
  });

  it('rejects a package without a valid descriptor', async () => {
    await expect(loadAgentDescriptors(['x'], async () => ({ agentDescriptor: { name: 'X' } }))).rejects.toThrow(/does not export a valid `agentDescriptor`/);
  });

  it('reports a package that throws while loading', async () => {
    await expect(loadAgentDescriptors(['x'], async () => Promise.reject(new SyntaxError('Unexpected token')))).rejects.toThrow(/failed to load: Unexpected token/);
  });
});
