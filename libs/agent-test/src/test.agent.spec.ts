import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noopLogger, type AgentDeps } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, scriptedLlmProvider, type ChatScript } from '@agent-orchestrator/agents-core/testing';
import { ConfigError } from '@agent-orchestrator/domain';
import { TestAgent, agentDescriptor, parseTestAgentSettings } from './index';
import { TEST_SYSTEM_PROMPT } from './test.prompt';

const ANSWER = '# Answer\n\nHere is what you asked for.';

function deps(script: ChatScript = () => ANSWER, settings: Record<string, string> = {}) {
  const llm = scriptedLlmProvider(script);
  const d: AgentDeps = { llm, settings, logger: noopLogger };
  return { deps: d, llm };
}

describeAgentConformance({ descriptor: agentDescriptor, makeDeps: () => deps().deps, packageRoot: join(__dirname, '..') });

describe('agentDescriptor', () => {
  it('reads its version from package.json and names the agent', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(agentDescriptor).toMatchObject({ name: 'TestAgent', agent_type: 'test', version: pkg.version, settings: ['LLM_TEST_MODEL'] });
    expect(agentDescriptor.create(deps().deps)).toBeInstanceOf(TestAgent);
  });

  it('throws ConfigError from create for invalid settings', () => {
    expect(() => agentDescriptor.create(deps(undefined, { LLM_TEST_MODEL: 'has space' }).deps)).toThrow(ConfigError);
    expect(parseTestAgentSettings({}).model).toBe('gpt-4o-mini');
  });
});

describe('TestAgent', () => {
  it('answers with one call on the configured model, with the system prompt first and the task last', async () => {
    const { deps: d, llm } = deps(undefined, { LLM_TEST_MODEL: 'gpt-4.1' });
    const result = await new TestAgent(d).run({ task_id: 't', session_id: 's', task: 'Do the thing.', history: [] });
    const [messages] = llm.models[0]!.calls;
    expect(messages![0]!.content).toBe(TEST_SYSTEM_PROMPT);
    expect(messages![messages!.length - 1]!.content).toBe('Do the thing.');
    expect(result.output).toEqual({ agent_name: 'TestAgent', content: ANSWER, code_language: null, citations: [], summary: 'Answer' });
    expect(result.model).toBe('gpt-4.1');
  });
});
