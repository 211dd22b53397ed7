// Workspace rules for the agent kit that lint cannot express: what makes a lib publishable, and
// that every agent library runs the shared conformance suite. Reads the repository's files.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const LIBS = join(ROOT, 'libs');

interface PackageJson {
  name?: string;
  version?: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  files?: string[];
  publishConfig?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  nx?: { name?: string; tags?: string[]; targets?: Record<string, unknown> };
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

const libs = readdirSync(LIBS)
  .filter((dir) => existsSync(join(LIBS, dir, 'package.json')))
  .map((dir) => ({ dir, pkg: readJson<PackageJson>(join(LIBS, dir, 'package.json')) }));

/** The projects `nx release` versions and publishes: nx.json release.projects (names and `tag:` patterns). */
function releaseProjects(): string[] {
  const patterns = readJson<{ release?: { projects?: string | string[] } }>(join(ROOT, 'nx.json')).release?.projects ?? [];
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return libs
    .filter(({ pkg }) => list.some((p) => (p.startsWith('tag:') ? (pkg.nx?.tags ?? []).includes(p.slice(4)) : p === pkg.nx?.name)))
    .map(({ pkg }) => pkg.nx?.name ?? '');
}

/** Every workspace package (libs and apps), by directory. */
const workspacePackages = ['libs', 'apps'].flatMap((parent) =>
  readdirSync(join(ROOT, parent))
    .filter((dir) => existsSync(join(ROOT, parent, dir, 'package.json')))
    .map((dir) => ({ path: `${parent}/${dir}`, pkg: readJson<PackageJson>(join(ROOT, parent, dir, 'package.json')) })),
);

/** `version` satisfies the caret range `^range` (npm's rule: the left-most non-zero part is fixed). */
function satisfiesCaret(version: string, range: string): boolean {
  const parse = (v: string) => v.split('.').map(Number) as [number, number, number];
  const [v, r] = [parse(version), parse(range)];
  const fixed = r[0] !== 0 ? 1 : r[1] !== 0 ? 2 : 3;
  for (let i = 0; i < fixed; i++) if (v[i] !== r[i]) return false;
  for (let i = fixed; i < 3; i++) if (v[i] !== r[i]) return v[i]! > r[i]!;
  return true;
}

const agentLibs = libs.filter(({ dir }) => dir.startsWith('agent-'));

function specFiles(dir: string): string[] {
  const src = join(LIBS, dir, 'src');
  return (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.spec.ts')).map((f) => join(src, f));
}

describe('publishable libraries (nx release projects)', () => {
  const published = releaseProjects();

  it('are domain, agents-core and every agent library', () => {
    expect(published).toEqual(expect.arrayContaining(['domain', 'agents-core', ...agentLibs.map(({ pkg }) => pkg.nx?.name ?? '')]));
  });

  it.each(published)('%s has version, exports, files and publishConfig, and is not private', (name) => {
    const { pkg } = libs.find(({ pkg: p }) => p.nx?.name === name)!;
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    expect(pkg.private).not.toBe(true);
    expect(pkg.exports?.['.']).toBeDefined();
    expect(pkg.exports?.['./package.json']).toBe('./package.json');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'README.md']));
    expect(pkg.publishConfig).toMatchObject({ access: 'public' });
  });
});

describe('internal dependencies', () => {
  const versions = new Map(workspacePackages.map(({ pkg }) => [pkg.name, pkg.version]));
  const references = workspacePackages.flatMap(({ path, pkg }) =>
    (['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies'] as const).flatMap((section) =>
      Object.entries(pkg[section] ?? {})
        .filter(([name]) => versions.has(name))
        .map(([name, range]) => ({ from: `${path} ${section}`, name, range })),
    ),
  );

  it('exist (the check below has something to check)', () => {
    expect(references.length).toBeGreaterThan(20);
  });

  // nx release bumps a library's version and (updateDependents, preserveMatchingDependencyRanges in
  // nx.json) rewrites only the ranges the new version falls outside of. An exact pin would then name
  // a version the workspace no longer has, and npm would look for it in the registry.
  it.each(references.map((r) => [r.from, r.name, r.range] as const))('%s: %s is a caret range the workspace version satisfies (%s)', (_from, name, range) => {
    expect(range).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(satisfiesCaret(versions.get(name)!, range.slice(1))).toBe(true);
  });

  it('satisfiesCaret follows npm for 0.x and 1.x ranges', () => {
    expect([satisfiesCaret('0.1.1', '0.1.0'), satisfiesCaret('0.2.0', '0.1.0'), satisfiesCaret('0.1.0', '0.1.1')]).toEqual([true, false, false]);
    expect([satisfiesCaret('1.4.0', '1.2.3'), satisfiesCaret('2.0.0', '1.2.3'), satisfiesCaret('0.0.4', '0.0.3')]).toEqual([true, false, false]);
  });
});

describe.each(agentLibs.map(({ dir, pkg }) => [dir, pkg] as const))('agent library %s', (dir, pkg) => {
  it('is a layer:agent lib with agents-core and domain as caret peer dependencies', () => {
    expect(pkg.nx?.tags).toEqual(expect.arrayContaining(['type:lib', 'layer:agent']));
    expect(pkg.peerDependencies?.['@agent-orchestrator/agents-core']).toMatch(/^\^\d/);
    expect(pkg.peerDependencies?.['@agent-orchestrator/domain']).toMatch(/^\^\d/);
  });

  it("lints with the agents' rules (no eval, no process or VM modules)", () => {
    expect(readFileSync(join(LIBS, dir, 'eslint.config.mjs'), 'utf8')).toMatch(/\.\.\.agentConfig/);
  });

  it('runs the conformance suite in a unit spec and in an integration spec', () => {
    const runsSuite = (text: string) =>
      text.includes("from '@agent-orchestrator/agents-core/testing'") && /^describeAgentConformance\(\{[^\n]*packageRoot/m.test(text);
    const runs = specFiles(dir).filter((f) => runsSuite(readFileSync(f, 'utf8')));
    expect(runs.some((f) => !f.endsWith('.int.spec.ts'))).toBe(true);
    expect(runs.some((f) => f.endsWith('.int.spec.ts'))).toBe(true);
  });

  it('has a test-int target, so its integration spec runs under npm test', () => {
    expect(pkg.nx?.targets?.['test-int']).toBeDefined();
    expect(readFileSync(join(LIBS, dir, 'jest.int.config.cjs'), 'utf8')).toMatch(/jest\.int\.preset\.cjs/);
  });
});
