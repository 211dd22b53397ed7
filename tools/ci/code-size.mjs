#!/usr/bin/env node
// Lines of code per project: what issue 10 ("thin apps") measures.
//
//   node tools/ci/code-size.mjs [--json]
//
// For every project under apps/ and libs/, counts the lines of its `src/**/*.ts` that hold code: not
// blank, not only a comment (`//`, or inside `/* … */`). Specs (`*.spec.ts`, `*.int.spec.ts`,
// `*.e2e.spec.ts`) and declaration files are not counted. The test kits (`src/testing/` folders and
// `*/testing.ts`) and generated code (`src/generated/`) are counted apart, so "non-test" is the first
// column. Prints a Markdown table, apps first, then the libs by size, and the totals.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });

/**
 * The lines of `text` that hold code.
 * @param {string} text
 * @returns {number}
 */
export function codeLines(text) {
  let inBlock = false;
  let count = 0;
  for (const raw of text.split('\n')) {
    let line = raw;
    let code = '';
    while (line.length > 0) {
      if (inBlock) {
        const end = line.indexOf('*/');
        if (end < 0) {
          line = '';
        } else {
          inBlock = false;
          line = line.slice(end + 2);
        }
        continue;
      }
      const start = line.indexOf('/*');
      const comment = line.indexOf('//');
      if (comment >= 0 && (start < 0 || comment < start)) {
        code += line.slice(0, comment);
        line = '';
      } else if (start >= 0) {
        code += line.slice(0, start);
        inBlock = true;
        line = line.slice(start + 2);
      } else {
        code += line;
        line = '';
      }
    }
    if (code.trim() !== '') count++;
  }
  return count;
}

/**
 * Every `.ts` file below `dir`.
 * @param {string} dir
 * @returns {string[]}
 */
function tsFiles(dir) {
  /** @type {string[]} */
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** @typedef {{ project: string, code: number, testKits: number, generated: number, specs: number }} Row */

/** @returns {Row[]} */
function measure() {
  /** @type {Row[]} */
  const rows = [];
  for (const group of ['apps', 'libs']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const src = join(root, group, name, 'src');
      let isDir = false;
      try {
        isDir = statSync(src).isDirectory();
      } catch {
        // a project without src/ (none today)
      }
      if (!isDir) continue;
      const row = { project: `${group}/${name}/src`, code: 0, testKits: 0, generated: 0, specs: 0 };
      for (const file of tsFiles(src)) {
        const rel = relative(src, file).split(sep).join('/');
        const lines = codeLines(readFileSync(file, 'utf8'));
        if (/\.spec\.ts$/.test(rel)) row.specs += lines;
        else if (rel.startsWith('generated/')) row.generated += lines;
        else if (rel.startsWith('testing/') || rel.includes('/testing/') || rel.endsWith('/testing.ts') || rel === 'testing.ts') row.testKits += lines;
        else row.code += lines;
      }
      rows.push(row);
    }
  }
  return rows;
}

const rows = measure();
const apps = rows.filter((r) => r.project.startsWith('apps/'));
const libs = rows.filter((r) => r.project.startsWith('libs/')).sort((a, b) => b.code - a.code);
const sum = (list, key) => list.reduce((s, r) => s + r[key], 0);
const total = sum(rows, 'code');
const appCode = sum(apps, 'code');

if (args.json) {
  process.stdout.write(`${JSON.stringify({ rows, total, apps: appCode })}\n`);
} else {
  const pct = (n) => `${total ? ((100 * n) / total).toFixed(1) : '0.0'} %`;
  const lines = [
    '| project | non-test code | share | test kits | generated | specs |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...[...apps, ...libs].map((r) => `| ${r.project} | ${r.code} | ${pct(r.code)} | ${r.testKits} | ${r.generated} | ${r.specs} |`),
    `| **apps** | ${appCode} | ${pct(appCode)} | ${sum(apps, 'testKits')} | ${sum(apps, 'generated')} | ${sum(apps, 'specs')} |`,
    `| **all** | ${total} | 100 % | ${sum(rows, 'testKits')} | ${sum(rows, 'generated')} | ${sum(rows, 'specs')} |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
