import { AgentRegistry, loadAgentDescriptors, type AgentObservers, type LlmProvider, type ModuleImporter } from '@agent-orchestrator/agents-core';
import type { Env } from '@agent-orchestrator/config';
import type { Logger } from '@agent-orchestrator/observability';

/**
 * Imports the agent packages named in AGENTS and registers them. Agent
 * packages resolve from the worker (its package.json lists them), so adding an
 * agent is a new dependency plus a config entry, not a code change here.
 */
export async function buildAgentRegistry(options: { packages: readonly string[]; llm: LlmProvider; env: Env; logger: Logger; importer?: ModuleImporter; observers?: AgentObservers }): Promise<AgentRegistry> {
  const importer: ModuleImporter = options.importer ?? ((specifier) => import(specifier));
  const descriptors = await loadAgentDescriptors(options.packages, importer);
  const registry = new AgentRegistry();
  for (const descriptor of descriptors) {
    registry.register(descriptor, { llm: options.llm, settings: options.env, logger: options.logger.child({ agent_name: descriptor.name }), observers: options.observers });
    options.logger.info('agent registered', { agent_name: descriptor.name, agent_version: descriptor.version, agent_type: descriptor.agent_type });
  }
  return registry;
}
