// Prints one line with the test counts of every project of the last `npm test`: the unit `test`
// targets write tmp/test-results/<project>.json, the `test-int` targets <project>.int.json
// (tools/jest/summary-reporter.cjs). CI reads the closing `tests: …` line; keep its form.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', '..', 'tmp', 'test-results');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
const totals = { passed: 0, failed: 0, skipped: 0 };
/** @type {Set<string>} */
const projects = new Set();
let intRuns = 0;
for (const f of files) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  projects.add(r.project ?? f.replace(/(\.int)?\.json$/, ''));
  if (f.endsWith('.int.json')) intRuns += 1;
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
}
console.log(`\nprojects tested: ${projects.size} (test: ${files.length - intRuns}, test-int: ${intRuns})`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
