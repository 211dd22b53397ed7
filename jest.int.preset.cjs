// Jest preset of the `test-int` targets (each project's jest.int.config.cjs): the shared settings
// of jest.preset.cjs, but only the integration (`*.int.spec.ts`) and end-to-end (`*.e2e.spec.ts`)
// specs, whose counts go to tmp/test-results/<project>.int.json. The unit `test` targets
// (jest.config.cjs + jest.preset.cjs) run every other spec, with no servers.
const unit = require('./jest.preset.cjs');

module.exports = {
  ...unit,
  testMatch: ['<rootDir>/src/**/*.int.spec.ts', '<rootDir>/src/**/*.e2e.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  reporters: ['default', [require.resolve('./tools/jest/summary-reporter.cjs'), { suffix: 'int' }]],
  // With AO_QUERY_SHAPES_DIR set: index coverage of every spec's queries (see the file). Jest runs a
  // preset's setupFilesAfterEnv before the project's own.
  setupFilesAfterEnv: process.env.AO_QUERY_SHAPES_DIR ? [require.resolve('./libs/persistence/src/testing/query-shapes.jest-setup.ts')] : [],
};
