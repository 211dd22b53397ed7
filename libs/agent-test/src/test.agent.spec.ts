import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noopLogger, type AgentDeps, type AgentInput } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, scriptedLlmProvider, type ChatScript } from '@agent-orchestrator/agents-core/testing';
import { ConfigError, LlmError } from '@agent-orchestrator/domain';
import type { BaseMessage } from '@langchain/core/messages';
import { TestAgent, agentDescriptor, parseTestAgentSettings } from './index';
import { TEST_SYSTEM_PROMPT, type TestAnswer } from './test.prompt';

const text = (m: BaseMessage): string => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content));

const PYTEST = '```python\nfrom slugify import slugify\n\ndef test_lowercases():\n    assert slugify("Hello World") == "hello-world"\n```\n\nRun: `pytest -q`';
const answer = (overrides: Partial<TestAnswer> = {}): string =>
  JSON.stringify({ language: 'Python', framework: 'pytest', content: PYTEST, summary: 'pytest tests for slugify: lowercasing, spaces, empty input.', ...overrides });

function deps(script: ChatScript = () => answer(), settings: Record<string, string> = {}) {
  const llm = scriptedLlmProvider(script);
  const d: AgentDeps = { llm, settings, logger: noopLogger };
  return { deps: d, llm };
}

const input = (task: string, history: AgentInput['history'] = []): AgentInput => ({ task_id: 't-1', session_id: 's-1', task, history });

describeAgentConformance({ descriptor: agentDescriptor, makeDeps: () => deps().deps, packageRoot: join(__dirname, '..') });

describe('agentDescriptor', () => {
  it('reads its version from package.json, names the agent and declares its one setting', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(agentDescriptor).toMatchObject({ name: 'TestAgent', agent_type: 'test', version: pkg.version, settings: ['LLM_TEST_MODEL'] });
    expect(agentDescriptor.create(deps().deps)).toBeInstanceOf(TestAgent);
  });

  it('tells the router what it does and what it leaves to others', () => {
    expect(agentDescriptor.description).toMatch(/unit tests/);
    expect(agentDescriptor.description).toMatch(/never runs/);
    expect(agentDescriptor.description).toMatch(/CodeAgent/);
  });

  it('throws ConfigError from create for invalid settings', () => {
    expect(() => agentDescriptor.create(deps(undefined, { LLM_TEST_MODEL: 'has space' }).deps)).toThrow(ConfigError);
    expect(parseTestAgentSettings({}).model).toBe('gpt-4o-mini');
  });
});

describe('TestAgent', () => {
  it('answers with one structured call and reports the language of the code, a summary, usage and model', async () => {
    const { deps: d, llm } = deps(undefined, { LLM_TEST_MODEL: 'gpt-4.1' });
    const result = await new TestAgent(d).run(input('Write pytest tests for:\n\ndef slugify(s): return s.lower().replace(" ", "-")'));

    expect(llm.models).toHaveLength(1);
    const [messages] = llm.models[0]!.calls;
    expect(text(messages![0]!)).toBe(TEST_SYSTEM_PROMPT);
    expect(text(messages![messages!.length - 1]!)).toContain('def slugify');
    expect(result.output).toEqual({
      agent_name: 'TestAgent',
      content: PYTEST,
      code_language: 'python',
      citations: [],
      summary: 'pytest tests for slugify: lowercasing, spaces, empty input.',
    });
    expect(result.model).toBe('gpt-4.1');
    expect(result.usage).toHaveLength(1);
  });

  it.each([
    ['TypeScript', 'typescript'],
    ['ts', 'typescript'],
    ['golang', 'go'],
    ['C#', 'csharp'],
    ['Rust', 'rust'],
  ])('sets code_language from the language the model names (%s -> %s)', async (language, expected) => {
    const { deps: d } = deps(() => answer({ language }));
    expect((await new TestAgent(d).run(input('x'))).output.code_language).toBe(expected);
  });

  it('falls back to the test file fence, then to null', async () => {
    const fenced = deps(() => answer({ language: '', content: '```ts\nimport { add } from "./add";\n```' })).deps;
    expect((await new TestAgent(fenced).run(input('x'))).output.code_language).toBe('typescript');
    const none = deps(() => answer({ language: 'klingon', framework: '', content: 'I write unit tests for code; paste the code.' })).deps;
    expect((await new TestAgent(none).run(input('hello'))).output.code_language).toBeNull();
  });

  it('writes a summary from language and framework when the model gives none', async () => {
    const { deps: d } = deps(() => answer({ language: 'go', framework: 'go-testing', summary: ' ' }));
    expect((await new TestAgent(d).run(input('x'))).output.summary).toBe('Unit tests for go code with go-testing.');
  });

  it('sends earlier turns, so "add tests for it" finds the code', async () => {
    const { deps: d, llm } = deps();
    const history = [
      { role: 'user' as const, content: 'Write a function that adds numbers.' },
      { role: 'assistant' as const, content: '```python\ndef add(a, b): return a + b\n```', agent_name: 'CodeAgent' },
    ];
    await new TestAgent(d).run(input('Now write tests for it.', history));
    const [messages] = llm.models[0]!.calls;
    expect(messages!.map((m) => m.getType())).toEqual(['system', 'human', 'ai', 'human']);
  });

  it('fails with a retryable LLM_ERROR on an empty answer, and LLM_ERROR outside the schema', async () => {
    await expect(new TestAgent(deps(() => answer({ content: '  ' })).deps).run(input('x'))).rejects.toMatchObject({ type: 'LLM_ERROR', retryable: true });
    await expect(new TestAgent(deps(() => JSON.stringify({ tests: 'x' })).deps).run(input('x'))).rejects.toBeInstanceOf(LlmError);
  });
});
