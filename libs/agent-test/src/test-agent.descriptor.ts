import type { AgentDeps, AgentDescriptor } from '@agent-orchestrator/agents-core';
import { TestAgent } from './test.agent';
import { TEST_SETTINGS } from './test.settings';
import { TEST_AGENT_NAME, agentVersion } from './version';

/**
 * What the worker registers. Importing it does nothing: the version is read
 * from package.json on first access, the agent is built by `create`.
 */
export const agentDescriptor: AgentDescriptor = {
  name: TEST_AGENT_NAME,
  get version(): string {
    return agentVersion();
  },
  agent_type: 'test',
  // The router reads nothing else: say what the agent does, when to pick it and when not.
  description:
    "Writes unit tests for code the user pastes or describes: picks the code's language and its usual test framework (Jest or Vitest for TypeScript and JavaScript, pytest for Python, JUnit 5 for Java, Go's testing package, RSpec for Ruby, xUnit for C#, cargo test for Rust), covers normal cases, edge cases and errors, and returns the test file in a fenced code block with how to run it. Pick it when the request is to write, add or extend tests. It never runs the tests or the code, does not fix or refactor the code under test (that is CodeAgent), and does not write prose.",
  settings: TEST_SETTINGS,
  create: (deps: AgentDeps) => new TestAgent(deps),
};
