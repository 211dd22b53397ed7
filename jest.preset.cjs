// Shared Jest settings. Tests compile with swc (fast, supports the decorator
// metadata class-validator needs) and resolve workspace libs to their TypeScript
// source through the custom export condition, so no build is needed first.
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: {
    customExportConditions: ['@agent-orchestrator/source', 'node', 'require', 'default'],
  },
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // Unit specs only (the `test` target): integration and end-to-end specs run in `test-int`
  // (jest.int.preset.cjs), which starts the servers they need.
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
  clearMocks: true,
  reporters: ['default', require.resolve('./tools/jest/summary-reporter.cjs')],
};
