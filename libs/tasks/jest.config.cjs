module.exports = {
  displayName: 'tasks',
  preset: '../../jest.preset.cjs',
  // *.int.spec.ts need MongoDB: the global setup starts one (or uses MONGO_URI).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
};
