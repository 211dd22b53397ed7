import { LlmRoles, type AgentDeps, type AgentDescriptor, type LlmRolesOptions } from '@agent-orchestrator/agents-core';
import { DEFAULT_PRICE_TABLE } from '@agent-orchestrator/domain';
import { createLogger } from '@agent-orchestrator/observability';
import { buildAgentRegistry } from './build-agent-registry';

const logger = createLogger({ service: 'test', level: 'error', silent: true });

/** An agent that keeps the deps it was given, declaring `LLM_<ROLE>_MODEL` like the real ones. */
function agent(name: string, role: string, seen: Map<string, AgentDeps>): AgentDescriptor {
  return {
    name,
    version: '1.0.0',
    agent_type: role.toLowerCase(),
    description: `${name}, a stand-in agent for this test.`,
    settings: [`LLM_${role}_MODEL`],
    create: (deps) => {
      seen.set(name, deps);
      return { name, version: '1.0.0', run: async () => ({ output: { agent_name: name, content: '', citations: [] }, usage: [], model: null }) };
    },
  };
}

const roles = (r: LlmRolesOptions['roles']) =>
  LlmRoles.create({
    defaultProvider: 'openai',
    connections: { openai: { apiKey: 'sk-o' }, anthropic: { apiKey: 'sk-a' } },
    roles: r,
    timeoutMs: 1000,
    maxRetries: 0,
    prices: DEFAULT_PRICE_TABLE,
  });

describe('buildAgentRegistry with providers per role', () => {
  it('hands each agent the provider of its role and only its declared settings', async () => {
    const seen = new Map<string, AgentDeps>();
    const descriptors: Record<string, AgentDescriptor> = { writer: agent('WriterAgent', 'CONTENT', seen), coder: agent('CoderAgent', 'CODE', seen) };
    const env = { LLM_CONTENT_MODEL: 'anthropic:claude-haiku-4-5', OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'sk-a' };
    const llm = await roles({ CONTENT: { model: 'anthropic:claude-haiku-4-5' } });
    await buildAgentRegistry({ packages: ['writer', 'coder'], llm, env, logger, importer: async (s) => ({ agentDescriptor: descriptors[s] }) });

    const writer = seen.get('WriterAgent')!;
    expect(writer.settings).toEqual({ LLM_CONTENT_MODEL: 'anthropic:claude-haiku-4-5' });
    expect(writer.llm.chatModel({ model: String(writer.settings['LLM_CONTENT_MODEL']) })._llmType()).toBe('anthropic');
    const coder = seen.get('CoderAgent')!;
    expect(coder.settings).toEqual({});
    expect(coder.llm.chatModel({ model: 'gpt-4o-mini' })._llmType()).toBe('openai');
  });

  it('refuses to boot an agent whose role is on another provider without a model', async () => {
    const seen = new Map<string, AgentDeps>();
    const llm = await roles({ CODE: { provider: 'anthropic' } });
    await expect(buildAgentRegistry({ packages: ['coder'], llm, env: {}, logger, importer: async () => ({ agentDescriptor: agent('CoderAgent', 'CODE', seen) }) })).rejects.toMatchObject({
      type: 'CONFIG_ERROR',
      message: expect.stringContaining('LLM_CODE_MODEL must be set'),
    });
  });
});
