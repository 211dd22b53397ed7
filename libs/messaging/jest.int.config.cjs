module.exports = {
  displayName: 'messaging:int',
  preset: '../../jest.int.preset.cjs',
  // The *.int.spec.ts files need Redis: the global setup provides MONGO_URI and REDIS_URL
  // (yours when set, else servers it starts for this run).
  globalSetup: '../../tools/jest/services-setup.mjs',
  globalTeardown: '../../tools/jest/services-teardown.mjs',
  testTimeout: 30000,
};
