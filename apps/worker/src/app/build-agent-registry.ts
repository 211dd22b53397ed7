import { AgentRegistry, LlmRoles, llmRoleOf, loadAgentDescriptors, type AgentObservers, type LlmProvider, type ModuleImporter } from '@agent-orchestrator/agents-core';
import type { Env } from '@agent-orchestrator/config';
import type { Logger } from '@agent-orchestrator/observability';

/**
 * Imports the agent packages named in AGENTS and registers them. Agent
 * packages resolve from the worker (its package.json lists them), so adding an
 * agent is a new dependency plus a config entry, not a code change here.
 *
 * `llm` is one provider for every agent, or the roles: each agent then gets the provider of its
 * role (`LLM_CONTENT_MODEL` in its settings → role CONTENT: LLM_CONTENT_PROVIDER, _BASE_URL...).
 */
export async function buildAgentRegistry(options: { packages: readonly string[]; llm: LlmProvider | LlmRoles; env: Env; logger: Logger; importer?: ModuleImporter; observers?: AgentObservers }): Promise<AgentRegistry> {
  const importer: ModuleImporter = options.importer ?? ((specifier) => import(specifier));
  const descriptors = await loadAgentDescriptors(options.packages, importer);
  const registry = new AgentRegistry();
  for (const descriptor of descriptors) {
    const { llm } = options;
    let agentLlm: LlmProvider = llm as LlmProvider;
    if (llm instanceof LlmRoles) {
      const role = llmRoleOf(descriptor);
      llm.check(role);
      agentLlm = llm.forRole(role);
      const resolved = llm.resolve(role);
      options.logger.info('agent LLM', { agent_name: descriptor.name, role, provider: resolved.provider, model: resolved.model ?? '(agent default)' });
    }
    registry.register(descriptor, { llm: agentLlm, settings: options.env, logger: options.logger.child({ agent_name: descriptor.name }), observers: options.observers });
    options.logger.info('agent registered', { agent_name: descriptor.name, agent_version: descriptor.version, agent_type: descriptor.agent_type });
  }
  return registry;
}
