import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noopLogger, type AgentDeps, type AgentInput } from '@agent-orchestrator/agents-core';
import { describeAgentConformance, scriptedLlmProvider, type ChatScript } from '@agent-orchestrator/agents-core/testing';
import { ConfigError, LlmError } from '@agent-orchestrator/domain';
import type { BaseMessage } from '@langchain/core/messages';
import { CodeAgent, agentDescriptor, parseCodeSettings } from './index';
import { CODE_SYSTEM_PROMPT, type CodeAnswer } from './code.prompt';

const text = (m: BaseMessage): string => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content));

const answer = (overrides: Partial<CodeAnswer> = {}): string =>
  JSON.stringify({
    mode: 'generate',
    language: 'Python',
    content: 'Here it is:\n\n```python\ndef add(a, b):\n    return a + b\n```',
    summary: 'A Python function that adds two numbers.',
    ...overrides,
  });

function deps(script: ChatScript = () => answer(), settings: Record<string, string> = {}, delayMs = 0) {
  const llm = scriptedLlmProvider(script, { delayMs });
  const d: AgentDeps = { llm, settings, logger: noopLogger };
  return { deps: d, llm };
}

const input = (task: string, history: AgentInput['history'] = []): AgentInput => ({ task_id: 't-1', session_id: 's-1', task, history });

describeAgentConformance({ descriptor: agentDescriptor, makeDeps: () => deps().deps, packageRoot: join(__dirname, '..') });

describe('agentDescriptor', () => {
  it('reads its version from package.json and names the agent', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(agentDescriptor).toMatchObject({ name: 'CodeAgent', agent_type: 'code', version: pkg.version });
    expect(agentDescriptor.create(deps().deps)).toBeInstanceOf(CodeAgent);
  });

  it('throws ConfigError from create for invalid settings', () => {
    expect(() => agentDescriptor.create(deps(undefined, { LLM_CODE_MODEL: 'has space' }).deps)).toThrow(ConfigError);
    expect(parseCodeSettings({}).model).toBe('gpt-4o-mini');
  });
});

describe('CodeAgent', () => {
  it('answers with one structured call and reports language, summary, usage and model', async () => {
    const { deps: d, llm } = deps();
    const result = await new CodeAgent(d).run(input('Write a Python function that adds two numbers'));

    expect(llm.models).toHaveLength(1);
    expect(llm.models[0]!.model).toBe('gpt-4o-mini');
    const [messages] = llm.models[0]!.calls;
    expect(text(messages![0]!)).toBe(CODE_SYSTEM_PROMPT);
    expect(text(messages![messages!.length - 1]!)).toBe('Write a Python function that adds two numbers');

    expect(result.output).toEqual({
      agent_name: 'CodeAgent',
      content: 'Here it is:\n\n```python\ndef add(a, b):\n    return a + b\n```',
      code_language: 'python',
      citations: [],
      summary: 'A Python function that adds two numbers.',
    });
    expect(result.model).toBe('gpt-4o-mini');
    expect(result.usage).toHaveLength(1);
    expect(result.usage[0]).toMatchObject({ model: 'gpt-4o-mini' });
    expect(result.usage[0]!.total_tokens).toBeGreaterThan(0);
  });

  it('uses LLM_CODE_MODEL', async () => {
    const { deps: d, llm } = deps(undefined, { LLM_CODE_MODEL: 'gpt-4.1' });
    const result = await new CodeAgent(d).run(input('x'));
    expect(llm.models[0]!.model).toBe('gpt-4.1');
    expect(result.model).toBe('gpt-4.1');
  });

  it('sets code_language to null when no code is involved', async () => {
    const { deps: d } = deps(() => answer({ mode: 'explain', language: '', content: 'A closure captures variables.', summary: 'Explains closures.' }));
    expect((await new CodeAgent(d).run(input('What is a closure?'))).output.code_language).toBeNull();
  });

  it('falls back to the first tagged code block when the model names no language', async () => {
    const { deps: d } = deps(() => answer({ language: 'none', content: '```ts\nconst x = 1;\n```' }));
    expect((await new CodeAgent(d).run(input('x'))).output.code_language).toBe('typescript');
  });

  it('writes a summary from the mode when the model gives none, and bounds a long one', async () => {
    const empty = deps(() => answer({ mode: 'refactor', language: 'go', summary: '  ' })).deps;
    expect((await new CodeAgent(empty).run(input('x'))).output.summary).toBe('Refactored go code.');
    const long = deps(() => answer({ summary: 'word '.repeat(200) })).deps;
    expect((await new CodeAgent(long).run(input('x'))).output.summary!.length).toBeLessThanOrEqual(300);
  });

  it('includes the recent session history as chat turns', async () => {
    const { deps: d, llm } = deps();
    const history = [
      { role: 'user' as const, content: 'Write a function that adds numbers.' },
      { role: 'assistant' as const, content: '```python\ndef add(a, b): return a + b\n```', agent_name: 'CodeAgent' },
    ];
    await new CodeAgent(d).run(input('Now add type hints.', history));
    const [messages] = llm.models[0]!.calls;
    expect(messages!.map((m) => m.getType())).toEqual(['system', 'human', 'ai', 'human']);
    expect(text(messages![2]!)).toContain('def add');
  });

  it('fails with a retryable LLM_ERROR on an empty answer', async () => {
    const { deps: d } = deps(() => answer({ content: '   ' }));
    await expect(new CodeAgent(d).run(input('x'))).rejects.toMatchObject({ type: 'LLM_ERROR', retryable: true });
  });

  it('fails with LLM_ERROR when the answer does not match the schema', async () => {
    const { deps: d } = deps(() => JSON.stringify({ mode: 'execute', language: 'python', content: 'x', summary: 'y' }));
    await expect(new CodeAgent(d).run(input('x'))).rejects.toBeInstanceOf(LlmError);
  });

  it('maps provider failures to LLM_ERROR', async () => {
    const { deps: d } = deps(() => {
      throw Object.assign(new Error('server error'), { status: 503 });
    });
    await expect(new CodeAgent(d).run(input('x'))).rejects.toMatchObject({ type: 'LLM_ERROR', retryable: true });
  });

  it('passes the abort signal to the LLM call', async () => {
    const { deps: d } = deps(undefined, {}, 500);
    const controller = new AbortController();
    const run = new CodeAgent(d).run(input('x'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toMatchObject({ type: 'TIMEOUT' });
  });
});
