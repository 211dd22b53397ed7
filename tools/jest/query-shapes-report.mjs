#!/usr/bin/env node
// Merges what libs/persistence/src/testing/query-shapes.jest-setup.ts wrote while the integration
// suites ran with AO_QUERY_SHAPES_DIR set: the queries no declared index covers, with the spec
// files that sent them.
//
//   AO_QUERY_SHAPES_DIR=tmp/query-shapes npx nx run-many -t test-int --skip-nx-cache
//   node tools/jest/query-shapes-report.mjs tmp/query-shapes [--out FILE.md] [--fail-on no-index,in-memory-sort,unbounded]
//
// Prints a markdown report (also to --out). With --fail-on, exits 1 when a query has one of the
// listed problems. `no-index` is what a mongod with `notablescan` refuses.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, 'fail-on': { type: 'string' } } });
const dir = positionals[0] ?? process.env.AO_QUERY_SHAPES_DIR;
if (!dir || !fs.existsSync(dir)) {
  process.stderr.write('usage: node tools/jest/query-shapes-report.mjs DIR [--out FILE.md] [--fail-on PROBLEMS] (DIR: what AO_QUERY_SHAPES_DIR was)\n');
  process.exit(2);
}

/** @type {Map<string, { problem: string, detail: string, seen: number, specs: Set<string> }>} */
const findings = new Map();
let files = 0;
let commands = 0;
for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const file = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
  files++;
  commands += file.commands;
  for (const f of file.uncovered) {
    const entry = findings.get(f.query) ?? { problem: f.problem, detail: f.detail, seen: 0, specs: new Set() };
    entry.seen += f.seen;
    entry.specs.add(file.spec);
    findings.set(f.query, entry);
  }
}

const order = ['no-index', 'unbounded', 'in-memory-sort'];
const rows = [...findings].sort(([qa, a], [qb, b]) => order.indexOf(a.problem) - order.indexOf(b.problem) || qa.localeCompare(qb));
const lines = [
  '# Queries of the integration suites not covered by a declared index',
  '',
  `${files} spec files, ${commands} commands recorded (in the Jest processes, through mongoose), ${rows.length} distinct uncovered queries.`,
  '`no-index` queries fail on a mongod with `notablescan`; `in-memory-sort` and `unbounded` ones run, at a cost that grows with the data.',
  '',
];
if (rows.length) {
  lines.push('| problem | query | seen | sent by | detail |', '|---|---|---|---|---|');
  for (const [query, f] of rows) lines.push(`| ${f.problem} | \`${query}\` | ${f.seen} | ${[...f.specs].join('<br>')} | ${f.detail} |`);
}
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
if (values.out) fs.writeFileSync(values.out, text);

const failOn = new Set((values['fail-on'] ?? '').split(',').filter(Boolean));
const failing = rows.filter(([, f]) => failOn.has(f.problem));
if (failing.length) {
  process.stderr.write(`${failing.length} quer${failing.length === 1 ? 'y' : 'ies'} with ${[...failOn].join(' or ')}\n`);
  process.exit(1);
}
