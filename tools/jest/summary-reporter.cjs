// Writes each project's test counts to tmp/test-results/<project>.json so that
// tools/ci/test-summary.mjs can print one closing line for the whole run (Nx
// restores these files on cache hits: see targetDefaults.test.outputs).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** @implements {Pick<import('@jest/reporters').Reporter, 'onRunComplete'>} */
class SummaryReporter {
  /** @param {import('@jest/types').Config.GlobalConfig} globalConfig */
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  /**
   * @param {Set<import('@jest/reporters').TestContext>} _contexts
   * @param {import('@jest/reporters').AggregatedResult} results
   */
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
