// Writes each project's test counts to tmp/test-results/<project>.json so that
// tools/ci/test-summary.mjs can print one closing line for the whole run (Nx
// restores these files on cache hits: see targetDefaults.test.outputs).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const workspaceRoot = join(__dirname, '..', '..');
    const project = require(join(this.rootDir, 'package.json')).nx?.name ?? 'unknown';
    const dir = join(workspaceRoot, 'tmp', 'test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${project}.json`),
      JSON.stringify({ project, passed: results.numPassedTests, failed: results.numFailedTests, skipped: results.numPendingTests + results.numTodoTests }),
    );
  }
}

module.exports = SummaryReporter;
