#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof, or tools/bench/cpu-window.cjs) by self time:
// per package (node_modules/<pkg>, the repository's libs/apps, node: internals, GC, idle) and per
// function, and the inclusive time of the functions whose name matches --inclusive.
//
//   node tools/bench/cpuprofile-summary.mjs FILE.cpuprofile [--top 40] [--per-task N] [--inclusive REGEX]
//
// --per-task N divides every figure by N (the tasks the profile covers) and prints ms per task.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, 'per-task': { type: 'string' }, inclusive: { type: 'string' } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: node tools/bench/cpuprofile-summary.mjs FILE.cpuprofile [--top 40] [--per-task N] [--inclusive REGEX]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const top = Number(args.top);
const perTask = args['per-task'] ? Number(args['per-task']) : null;

/** Where a frame's code lives: a package, a lib of this repository, node internals, or V8's own entries. */
function owner(frame) {
  const url = frame.url ?? '';
  if (!url) return `(${frame.functionName || 'anonymous'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = /\/(libs|apps)\/([^/]+)\//.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
/** The nearest frame on the stack that is neither node's internals nor V8/native code: who asked for the work. */
function userOwner(id) {
  for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) {
    const o = owner(byId.get(cur).callFrame);
    if (!o.startsWith('node:') && !o.startsWith('(')) return o;
  }
  return owner(byId.get(id).callFrame);
}
const selfUs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = deltas[i + 1] ?? 0;
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, dt));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byPkg = new Map();
const byUser = new Map();
const byFn = new Map();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  const f = n.callFrame;
  const pkg = owner(f);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
  const user = userOwner(id);
  byUser.set(user, (byUser.get(user) ?? 0) + us);
  const key = `${f.functionName || '(anonymous)'}  ${pkg}${f.url && !f.url.startsWith('node:') ? `:${f.lineNumber + 1}` : f.url ? ` ${f.url.slice(5)}` : ''}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
}
const idle = byPkg.get('(idle)') ?? 0;
const busy = total - (byPkg.get('(idle)') ?? 0);
const fmtMs = (us) => (perTask ? `${(us / 1000 / perTask).toFixed(3)} ms/task` : `${(us / 1000).toFixed(0)} ms`);
const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;

process.stdout.write(`profile: ${(total / 1e6).toFixed(1)} s sampled, ${((total - idle) / 1e6).toFixed(1)} s not idle${perTask ? `, ${perTask} tasks: ${(busy / 1000 / perTask).toFixed(2)} ms busy per task` : ''}\n\n`);
process.stdout.write('self time by package (share of the non-idle time)\n');
for (const [k, us] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, top)) if (k !== '(idle)') process.stdout.write(`${pct(us)}  ${fmtMs(us).padStart(16)}  ${k}\n`);
process.stdout.write('\nthe same, node internals and native frames charged to the nearest package on their stack\n');
for (const [k, us] of [...byUser].sort((a, b) => b[1] - a[1]).slice(0, top)) if (k !== '(idle)') process.stdout.write(`${pct(us)}  ${fmtMs(us).padStart(16)}  ${k}\n`);
process.stdout.write('\nself time by function\n');
for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) if (!k.startsWith('(idle)')) process.stdout.write(`${pct(us)}  ${fmtMs(us).padStart(16)}  ${k}\n`);

if (args.inclusive) {
  // Inclusive time of matching frames: each sample counted once per matching frame name on its stack.
  const re = new RegExp(args.inclusive);
  const incl = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) {
      const f = byId.get(cur).callFrame;
      const key = `${f.functionName || '(anonymous)'}  ${owner(f)}${f.url && !f.url.startsWith('node:') ? `:${f.lineNumber + 1}` : ''}`;
      if (re.test(key) && !seen.has(key)) {
        seen.add(key);
        incl.set(key, (incl.get(key) ?? 0) + us);
      }
    }
  }
  process.stdout.write(`\ninclusive time of frames matching /${args.inclusive}/\n`);
  for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${fmtMs(us).padStart(16)}  ${k}\n`);
}
