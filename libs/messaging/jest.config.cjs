module.exports = {
  displayName: 'messaging',
  preset: '../../jest.preset.cjs',
  // The *.int.spec.ts files need Redis: the global setup starts one (or uses REDIS_URL).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
};
