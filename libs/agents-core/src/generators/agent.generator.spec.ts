// The agent generator on an in-memory tree: what it writes. agent.generator.int.spec.ts runs the result.
import { join } from 'node:path';
import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';

type AgentGenerator = (tree: Tree, options: { name: string; description?: string; skipFormat?: boolean }) => Promise<() => void>;
const { agentGenerator } = jest.requireActual<{ agentGenerator: AgentGenerator }>(join(__dirname, '..', '..', 'generators', 'agent', 'generator.cjs'));

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace();
  tree.write(
    'libs/agents-core/package.json',
    JSON.stringify({ name: '@agent-orchestrator/agents-core', version: '0.3.1', dependencies: { '@langchain/core': '^1.4.0' } }),
  );
  tree.write('libs/domain/package.json', JSON.stringify({ name: '@agent-orchestrator/domain', version: '0.2.0' }));
  tree.write('tsconfig.json', JSON.stringify({ files: [], references: [{ path: './libs/domain' }] }));
  return tree;
}

describe('agent generator', () => {
  it('writes a publishable agent package with caret peer ranges, tags, descriptor, prompt, specs and README', async () => {
    const tree = workspace();
    await agentGenerator(tree, { name: 'translation', skipFormat: true });

    const pkg = readJson(tree, 'libs/agent-translation/package.json');
    expect(pkg).toMatchObject({
      name: '@agent-orchestrator/agent-translation',
      version: '0.1.0',
      files: expect.arrayContaining(['dist', 'README.md']),
      publishConfig: { access: 'public' },
      nx: { name: 'agent-translation', tags: ['type:lib', 'layer:agent'], targets: { 'test-int': {} } },
      peerDependencies: { '@agent-orchestrator/agents-core': '^0.3.1', '@agent-orchestrator/domain': '^0.2.0', '@langchain/core': '^1.4.0' },
    });
    expect(pkg.exports['.']).toEqual({ '@agent-orchestrator/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' });
    for (const file of [
      'README.md',
      'eslint.config.mjs',
      'jest.config.cjs',
      'jest.int.config.cjs',
      'tsconfig.json',
      'tsconfig.lib.json',
      'tsconfig.spec.json',
      'src/index.ts',
      'src/version.ts',
      'src/translation-agent.descriptor.ts',
      'src/translation.agent.ts',
      'src/translation.prompt.ts',
      'src/translation.settings.ts',
      'src/translation.agent.spec.ts',
      'src/translation.agent.int.spec.ts',
    ]) {
      expect(tree.exists(`libs/agent-translation/${file}`)).toBe(true);
    }
    const descriptor = tree.read('libs/agent-translation/src/translation-agent.descriptor.ts', 'utf8')!;
    expect(descriptor).toContain("agent_type: 'translation'");
    expect(tree.read('libs/agent-translation/src/translation.agent.spec.ts', 'utf8')).toContain('describeAgentConformance(');
    expect(tree.read('libs/agent-translation/src/translation.agent.int.spec.ts', 'utf8')).toContain('describeAgentConformance(');
    expect(tree.read('libs/agent-translation/src/translation.settings.ts', 'utf8')).toContain("['LLM_TRANSLATION_MODEL']");
    expect(tree.read('libs/agent-translation/README.md', 'utf8')).toContain('tags `agent-translation@<version>`');
    expect(readJson(tree, 'tsconfig.json').references).toEqual([{ path: './libs/domain' }, { path: './libs/agent-translation' }]);
  });

  it('puts a given description in the descriptor as a string literal', async () => {
    const tree = workspace();
    const description = `Translates text between languages, keeping "quotes" and the tone. ${'Pick it for translation requests only. '.repeat(2)}`;
    await agentGenerator(tree, { name: 'translation', description, skipFormat: true });
    expect(tree.read('libs/agent-translation/src/translation-agent.descriptor.ts', 'utf8')).toContain(`description: ${JSON.stringify(description.trim())},`);
  });

  it('refuses names that are not kebab-case or repeat "agent", short descriptions and existing folders', async () => {
    const tree = workspace();
    await expect(agentGenerator(tree, { name: 'Translation' })).rejects.toThrow(/kebab-case/);
    await expect(agentGenerator(tree, { name: 'agent-translation' })).rejects.toThrow(/without "agent"/);
    await expect(agentGenerator(tree, { name: 'translation', description: 'Translates.' })).rejects.toThrow(/at least 100 characters/);
    await agentGenerator(tree, { name: 'translation', skipFormat: true });
    await expect(agentGenerator(tree, { name: 'translation', skipFormat: true })).rejects.toThrow(/already exists/);
  });
});
