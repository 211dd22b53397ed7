import type { AgentDeps, AgentDescriptor } from '@agent-orchestrator/agents-core';
import { CodeAgent } from './code.agent';
import { CODE_AGENT_NAME, codeAgentVersion } from './version';

/**
 * What the worker registers. Importing it does nothing: the version is read
 * from package.json on first access, the agent is built by `create`.
 */
export const agentDescriptor: AgentDescriptor = {
  name: CODE_AGENT_NAME,
  get version(): string {
    return codeAgentVersion();
  },
  agent_type: 'code',
  description:
    'Writes, explains, refactors, reviews and fixes source code in any mainstream programming language, including SQL queries, ' +
    'shell scripts, regular expressions and config files such as Dockerfiles or CI YAML. Returns Markdown with fenced code blocks ' +
    'and names the main language. Pick it when the request is about code: implementing a function, debugging an error message, ' +
    'explaining a snippet, improving or reviewing code. It never runs, compiles or tests code, does not search the web or know recent ' +
    'library releases, and does not write general prose such as articles, essays or reports.',
  settings: ['LLM_CODE_MODEL'],
  create: (deps: AgentDeps) => new CodeAgent(deps),
};
