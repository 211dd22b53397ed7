// Prints one line with the test counts of every project of the last `npm test`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', '..', 'tmp', 'test-results');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
const totals = { passed: 0, failed: 0, skipped: 0 };
for (const f of files) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
}
console.log(`\nprojects tested: ${files.length}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
