import type { AgentDeps, AgentDescriptor } from '@agent-orchestrator/agents-core';
import { ContentAgent } from './content.agent';
import { CONTENT_AGENT_NAME, contentAgentVersion } from './version';

/**
 * What the worker registers. Importing it does nothing: the version is read
 * from package.json on first access, the agent is built by `create`.
 */
export const agentDescriptor: AgentDescriptor = {
  name: CONTENT_AGENT_NAME,
  get version(): string {
    return contentAgentVersion();
  },
  agent_type: 'content',
  description:
    'Writes long-form prose grounded in a live web search: articles, blog posts, essays, explanations of a topic, summaries and reports, ' +
    'including on current events. It plans search queries, reads the top web results and writes Markdown that cites them as [1], [2], ' +
    'returning the cited sources (title and URL). Pick it when the user wants a written piece or an explanation in prose about a subject. ' +
    'It does not write, explain, review or fix source code, does not open or summarise a specific URL or file the user supplies, ' +
    'does not run tools or take actions, and is not meant for one-line chit-chat.',
  settings: ['LLM_CONTENT_MODEL', 'TAVILY_*'],
  create: (deps: AgentDeps) => new ContentAgent(deps),
};
