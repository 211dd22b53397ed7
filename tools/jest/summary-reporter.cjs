// Writes each project's test counts to tmp/test-results/<project>.json (unit `test`) or
// <project>.<suffix>.json (reporter option `suffix`, e.g. `int` for `test-int`) so that
// tools/ci/test-summary.mjs can print one closing line for the whole run (Nx
// restores these files on cache hits: see targetDefaults.test.outputs).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** @implements {Pick<import('@jest/reporters').Reporter, 'onRunComplete'>} */
class SummaryReporter {
  /**
   * @param {import('@jest/types').Config.GlobalConfig} globalConfig
   * @param {{ suffix?: string }} [options]
   */
  constructor(globalConfig, options = {}) {
    this.rootDir = globalConfig.rootDir;
    this.suffix = options.suffix;
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
      join(dir, this.suffix ? `${project}.${this.suffix}.json` : `${project}.json`),
      JSON.stringify({ project, target: this.suffix ? `test-${this.suffix}` : 'test', passed: results.numPassedTests, failed: results.numFailedTests, skipped: results.numPendingTests + results.numTodoTests }),
    );
  }
}

module.exports = SummaryReporter;
