// The workspace lint rule that keeps Bull, ioredis, mongoose and the MongoDB driver out of apps/
// (eslint.config.mjs, APP_BANNED_IMPORTS) fires there and only there. ESLint loads its flat config
// with a native import(), which Jest's module sandbox does not run, so the check runs in a child
// Node process.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const BANNED = ['bull', 'ioredis', 'mongoose', 'mongodb'];

type Findings = Record<string, string[]>;

/** `import x from '<module>'` linted as if it were each file: the no-restricted-imports messages per `file module`. */
function lint(files: string[], modules: string[]): Findings {
  const script = `
    import { ESLint } from 'eslint';
    // Boundaries need the Nx project graph; this test is about the import ban alone.
    const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: { rules: { '@nx/enforce-module-boundaries': 'off' } } });
    const findings = {};
    for (const file of ${JSON.stringify(files)}) {
      for (const name of ${JSON.stringify(modules)}) {
        const [result] = await eslint.lintText("import x from '" + name + "';\\nexport { x };\\n", { filePath: file });
        findings[file + ' ' + name] = result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
      }
    }
    process.stdout.write(JSON.stringify(findings));
  `;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as Findings;
}

describe('lint: apps never import bull, ioredis, mongoose or mongodb', () => {
  const appFiles = ['apps/api/src/app/x.ts', 'apps/worker/src/app/x.spec.ts'];
  const libFiles = ['libs/messaging/src/x.ts', 'libs/persistence/src/x.ts'];
  const modules = [...BANNED, 'mongoose/lib/types', 'bull/lib/job'];
  let findings: Findings;

  beforeAll(() => {
    findings = lint([...appFiles, 'apps/e2e/src/x.e2e.spec.ts', ...libFiles], modules);
  }, 60_000);

  it.each(appFiles.flatMap((file) => modules.map((name) => [file, name])))('%s: importing %s is an error', (file, name) => {
    expect(findings[`${file} ${name}`]).toEqual([expect.stringMatching(/^'[\w/]+' import is restricted from being used.*Apps do not import/)]);
  });

  it('apps/e2e may read the database with the MongoDB driver, and nothing else of the four', () => {
    expect(findings['apps/e2e/src/x.e2e.spec.ts mongodb']).toEqual([]);
    for (const name of ['bull', 'ioredis', 'mongoose']) expect(findings[`apps/e2e/src/x.e2e.spec.ts ${name}`]).toHaveLength(1);
  });

  it.each(libFiles.flatMap((file) => modules.map((name) => [file, name])))('%s: importing %s is not this rule\'s concern', (file, name) => {
    expect(findings[`${file} ${name}`]).toEqual([]);
  });
});
