import { describe, expect, it } from '@jest/globals';
import type { AgentOutput } from '@agent-orchestrator/domain';
import type { AgentDeps, AgentDescriptor, AgentInput } from '../agent';
import { isAgentDescriptor } from '../agent-registry';

export interface ConformanceOptions {
  descriptor: AgentDescriptor;
  /** Deps whose LLM (and any tool) answer every request successfully. */
  makeDeps: () => AgentDeps;
  /** The longest task text the API accepts; the agent must cope with it. */
  maxTaskLength?: number;
}

const input = (task: string): AgentInput => ({ task_id: '00000000-0000-4000-8000-000000000001', session_id: 's-1', task, history: [] });

function expectOutputShape(output: AgentOutput, name: string): void {
  expect(output.agent_name).toBe(name);
  expect(typeof output.content).toBe('string');
  expect(output.content.trim().length).toBeGreaterThan(0);
  expect(Array.isArray(output.citations)).toBe(true);
  for (const c of output.citations) {
    expect(typeof c.source).toBe('string');
    expect(c.title === null || typeof c.title === 'string').toBe(true);
    expect(c.url === null || typeof c.url === 'string').toBe(true);
  }
}

/**
 * The contract every agent package must keep. Call it from the agent's spec
 * with fakes; it adds a `describe` block of its own.
 */
export function describeAgentConformance({ descriptor, makeDeps, maxTaskLength = 20_000 }: ConformanceOptions): void {
  describe(`${descriptor.name} conformance`, () => {
    it('exports a complete descriptor with a semver version and a useful description', () => {
      expect(isAgentDescriptor(descriptor)).toBe(true);
      expect(descriptor.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
      expect(descriptor.description.length).toBeGreaterThan(40);
      expect(descriptor.agent_type).toMatch(/^[a-z][a-z0-9_-]*$/);
    });

    it('creates an agent that carries the descriptor name and version', () => {
      const agent = descriptor.create(makeDeps());
      expect(agent.name).toBe(descriptor.name);
      expect(agent.version).toBe(descriptor.version);
    });

    it('returns a well-formed AgentOutput with usage for an ordinary task', async () => {
      const result = await descriptor.create(makeDeps()).run(input('Write a short note about the water cycle.'));
      expectOutputShape(result.output, descriptor.name);
      expect(result.usage.length).toBeGreaterThan(0);
      for (const u of result.usage) {
        expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
        expect(u.cost_usd).toBeGreaterThanOrEqual(0);
      }
    });

    it('copes with the longest accepted task text', async () => {
      const result = await descriptor.create(makeDeps()).run(input('x'.repeat(maxTaskLength)));
      expectOutputShape(result.output, descriptor.name);
    });

    it('uses session history when given', async () => {
      const result = await descriptor
        .create(makeDeps())
        .run({ ...input('Now make it shorter.'), history: [{ role: 'user', content: 'Write about bees.' }, { role: 'assistant', content: 'Bees are...', agent_name: descriptor.name }] });
      expectOutputShape(result.output, descriptor.name);
    });

    it('stops with an error when its signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(descriptor.create(makeDeps()).run(input('Write anything.'), { signal: controller.signal })).rejects.toBeDefined();
    });
  });
}
