// needs: no servers. Copies the workspace's root config, domain and agents-core into a temporary
// folder (node_modules linked, not copied), runs `nx g @agent-orchestrator/agents-core:agent demo`
// there, then the new library's lint, typecheck and tests through Nx: the generator cannot rot.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');
const ROOT_FILES = [
  'package.json',
  'package-lock.json',
  'nx.json',
  'tsconfig.base.json',
  'jest.preset.cjs',
  'jest.int.preset.cjs',
  'eslint.config.mjs',
  '.prettierrc',
  'tools/jest/summary-reporter.cjs',
];
const LIBS = ['domain', 'agents-core'];
const SKIP = new Set(['node_modules', 'dist', 'out-tsc', '.nx', 'tmp']);

let scratch: string;

function nx(args: string[]): string {
  // A clean environment: the outer `nx test` run's NX_* variables would point the inner Nx at this workspace.
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NX_') && !k.startsWith('JEST_')));
  Object.assign(env, { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: 'true', CI: 'true', FORCE_COLOR: '0', NODE_ENV: '' });
  try {
    const bin = (JSON.parse(readFileSync(join(scratch, 'node_modules', 'nx', 'package.json'), 'utf8')) as { bin: { nx: string } }).bin.nx;
    return execFileSync(process.execPath, [join(scratch, 'node_modules', 'nx', bin), ...args], {
      cwd: scratch,
      env,
      encoding: 'utf8',
      stdio: 'pipe',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`nx ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}\n${e.message}`);
  }
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ao-agent-generator-'));
  for (const file of ROOT_FILES) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(join(scratch, file, '..'), { recursive: true });
    cpSync(join(ROOT, file), join(scratch, file));
  }
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({ extends: './tsconfig.base.json', files: [], references: LIBS.map((l) => ({ path: `./libs/${l}` })) }, null, 2),
  );
  for (const lib of LIBS) {
    cpSync(join(ROOT, 'libs', lib), join(scratch, 'libs', lib), { recursive: true, filter: (src) => !SKIP.has(src.split('/').pop() ?? '') });
    // Packages a lib pins apart from the root's (agents-core's own @langchain/openai) stay where npm put them.
    if (existsSync(join(ROOT, 'libs', lib, 'node_modules')))
      symlinkSync(join(ROOT, 'libs', lib, 'node_modules'), join(scratch, 'libs', lib, 'node_modules'), 'dir');
  }
  // node_modules: every installed package linked, the workspace's own packages pointing at the scratch copies.
  mkdirSync(join(scratch, 'node_modules', '@agent-orchestrator'), { recursive: true });
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '@agent-orchestrator' || entry === '.package-lock.json') continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(scratch, 'node_modules', entry));
  }
  for (const lib of LIBS) symlinkSync(join('..', '..', 'libs', lib), join(scratch, 'node_modules', '@agent-orchestrator', lib), 'dir');
});

afterAll(() => {
  if (scratch && !process.env['AO_KEEP_SCRATCH']) rmSync(scratch, { recursive: true, force: true });
});

it('generates an agent library that lints, type-checks and passes its tests (conformance included) without edits', () => {
  nx(['g', '@agent-orchestrator/agents-core:agent', 'demo', '--no-interactive']);
  const pkg = JSON.parse(readFileSync(join(scratch, 'libs', 'agent-demo', 'package.json'), 'utf8')) as { name: string };
  expect(pkg.name).toBe('@agent-orchestrator/agent-demo');
  // The generator links the new package, as npm would, so the worker can import it by name.
  expect(existsSync(join(scratch, 'node_modules', '@agent-orchestrator', 'agent-demo', 'package.json'))).toBe(true);

  const out = nx([
    'run-many',
    '-t',
    'lint',
    'typecheck',
    'test',
    'test-int',
    '-p',
    'agent-demo',
    '--excludeTaskDependencies',
    '--outputStyle=static',
    '--parallel=1',
  ]);
  // Dependencies' build and typecheck tasks are left out: tsc --build type-checks the references itself.
  expect(out).toMatch(/Successfully ran targets lint, typecheck, test, test-int for project agent-demo/);
  // Both generated specs run the conformance suite (12 cases each) besides their own tests; none skipped:
  // the unit spec under `test`, the integration spec under `test-int`.
  expect(out).toMatch(/PASS agent-demo src\/demo\.agent\.spec\.ts/);
  expect(out).toMatch(/PASS agent-demo:int src\/demo\.agent\.int\.spec\.ts/);
  const counts = [...out.matchAll(/Tests:\s+(.*) total/g)].map((m) => m[1] ?? '');
  expect(counts).toHaveLength(2);
  for (const tests of counts) expect(tests).toMatch(/^\d+ passed, \d+$/);
  const passed = counts.reduce((sum, tests) => sum + Number(/^(\d+) passed/.exec(tests)?.[1]), 0);
  expect(passed).toBeGreaterThanOrEqual(24);
}, 600_000);
